"""Why a request failed, as a stable reason code plus the detail a person needs."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

ROBOTS = "robots"
# Failures worth trying again on the next crawl; every other one is remembered as seen.
TRANSIENT = {"timeout", "dns", "connection_refused", "connection_lost", "http_408", "http_425",
             "http_429", "http_500", "http_502", "http_503", "http_504"}


def is_permanent(code: str) -> bool:
    return code not in TRANSIENT


def classify(failure: Failure) -> tuple[str, str]:
    """``(code, detail)`` for a failed request; codes are what the crawl summary counts."""
    error = failure.value
    text = str(error)
    if isinstance(error, HttpError):
        status = error.response.status
        return f"http_{status}", f"HTTP {status} from {error.response.url}"
    if isinstance(error, IgnoreRequest):
        if "robots.txt" in text:
            return ROBOTS, "disallowed by robots.txt"
        if "redirections" in text:
            return "redirect_loop", "too many redirects (a redirect loop)"
        if "DOWNLOAD_MAXSIZE" in text or "decompressed" in text:
            return "too_large", text[:300]
        if "not on loopback" in text:
            return "refused_host", text[:300]
        return "ignored", text[:300]
    if isinstance(error, DownloadCancelledError) or "max size" in text:
        return "too_large", text[:300]
    if isinstance(error, DownloadTimeoutError) or "TimeoutError" in type(error).__name__:
        return "timeout", text[:300] or "timed out"
    if isinstance(error, CannotResolveHostError) or "DNSLookupError" in type(error).__name__:
        return "dns", text[:300]
    if isinstance(error, DownloadConnectionRefusedError) or "ConnectionRefused" in type(
            error).__name__:
        return "connection_refused", text[:300]
    if isinstance(error, ResponseDataLossError | DownloadFailedError):
        return "connection_lost", text[:300]
    return type(error).__name__.lower(), f"{type(error).__name__}: {text}"[:300]
