"""A realistic news website on loopback: the crawler tests' fixture and the offline demo."""
