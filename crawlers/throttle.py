"""AutoThrottle that never goes below a source's own delay from sources.yaml.

Scrapy's AutoThrottle lowers a slot's delay toward the server's latency, down to the global
DOWNLOAD_DELAY; a publisher's asked-for pause must stay a floor, so ours clamps to it.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response


class SourceThrottle(AutoThrottle):
    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if slot is None:
            return
        floor = self.crawler.settings.getdict("DOWNLOAD_SLOTS").get(key, {}).get("delay", 0.0)
        slot.delay = max(slot.delay, float(floor))
