"""From fetched bytes to stored, indexed documents: extraction, language, store, orchestration."""
