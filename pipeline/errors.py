"""One catalogue of the reasons a document is refused, so they read the same everywhere."""

from __future__ import annotations


class PipelineError(Exception):
    """A document could not go through; ``code`` is stable, the message is for people."""

    def __init__(self, code: str, **details: object) -> None:
        self.code = code
        self.details = details
        super().__init__(f"{code}: {MESSAGES[code].format(**details)}")

    def __reduce__(self) -> tuple:
        """Survive pickling, so extraction can run in a worker process."""
        return (_rebuild, (self.code, self.details))


def _rebuild(code: str, details: dict) -> PipelineError:
    return PipelineError(code, **details)


MESSAGES: dict[str, str] = {
    "unreadable": "cannot read the file ({error})",
    "empty": "the file is empty",
    "too_large": "{size} bytes is over the limit of {limit} bytes (max_file_bytes)",
    "binary": "not HTML: the content looks like binary data ({hint})",
    "unsupported": "{kind} input is not supported yet",
    "no_text": "no article text found in the page",
    "too_short": "extracted text has {chars} characters, under the minimum of {minimum} "
                 "(min_text_chars; a Chinese, Japanese or Korean character counts as three)",
    "parse_failed": "the page could not be parsed ({error})",
    "pdf_encrypted": "the PDF is encrypted and cannot be read",
    "pdf_unreadable": "the PDF is corrupt or unreadable ({error})",
    "not_article": "{content_type} is not an article (HTML or PDF)",
}
