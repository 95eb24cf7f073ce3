"""Settings loader and the data files users edit (sources, subscriptions, gazetteers)."""

from config.settings import Settings, load_settings

__all__ = ["Settings", "load_settings"]
