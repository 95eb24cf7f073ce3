"""The WARC archive: every response and every ingested file, kept as immutable evidence.

Records are appended to gzipped WARC files (one gzip member per record, so any record can be
read alone from its offset) that rotate at ``warc_max_bytes``. File names carry the process id,
so concurrent crawler processes never write to the same file.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from isal import igzip, isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from config import Settings

SOFTWARE = "labourwatch/0.1 (warcio)"


@dataclass(frozen=True)
class WarcRef:
    """Where a record lives: enough to read it back and to show it as evidence."""

    file: str  # path relative to the archive folder
    offset: int
    length: int
    digest: str  # WARC-Payload-Digest, e.g. "sha1:..."
    fetched_at: datetime


class WarcArchive:
    """Appends records to the current WARC file of this process, rotating by size."""

    def __init__(self, folder: Path, max_bytes: int = 256 * 1024 * 1024, level: int = 6) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.level = level
        self._path: Path | None = None
        self._seq = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> WarcArchive:
        return cls(settings.data_dir / "warc", settings.warc_max_bytes, settings.warc_gzip_level)

    def _current(self) -> Path:
        if self._path is None or self._path.stat().st_size >= self.max_bytes:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
            while True:
                path = self.folder / f"labourwatch-{stamp}-{os.getpid()}-{self._seq:05d}.warc.gz"
                self._seq += 1
                if not path.exists():
                    break
            with path.open("ab") as handle:
                writer = WARCWriter(handle, gzip=True)
                writer.write_record(writer.create_warcinfo_record(
                    path.name, {"software": SOFTWARE, "format": "WARC File Format 1.1"}))
            self._path = path
        return self._path

    def write_resource(self, uri: str, payload: bytes, content_type: str,
                       fetched_at: datetime | None = None) -> WarcRef:
        """Keep a local file (``ingest``) as a ``resource`` record."""
        return self._write("resource", uri, payload, content_type, None, fetched_at)

    def write_response(self, uri: str, payload: bytes, status: int, headers: list[tuple[str, str]],
                       fetched_at: datetime | None = None) -> WarcRef:
        """Keep an HTTP response with its status line and headers."""
        http = StatusAndHeaders(f"{status} X", headers, protocol="HTTP/1.1")
        return self._write("response", uri, payload, None, http, fetched_at)

    def _write(self, kind: str, uri: str, payload: bytes, content_type: str | None,
               http: StatusAndHeaders | None, fetched_at: datetime | None) -> WarcRef:
        fetched_at = fetched_at or datetime.now(UTC)
        path = self._current()
        # warcio gzips at level 9, the slowest; one gzip member per record at our level reads
        # the same (any record can still be read alone from its offset)
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=False)
        record = writer.create_warc_record(
            uri, kind, payload=io.BytesIO(payload), length=len(payload), http_headers=http,
            warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                               **_digests(payload, http)})
        writer.write_record(record)
        member = gzip_member(buffer.getvalue(), self.level)
        with path.open("ab") as handle:
            offset = handle.tell()
            handle.write(member)
            length = len(member)
        digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
        return WarcRef(path.name, offset, length, digest, fetched_at)


def _digests(payload: bytes, http: StatusAndHeaders | None) -> dict[str, str]:
    """The payload digest, hashed once; for a record without HTTP headers it is the block
    digest too. warcio would hash the payload twice (payload, then block) in 16 KB reads."""
    digest = "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode("ascii")
    if http is None:
        return {"WARC-Payload-Digest": digest, "WARC-Block-Digest": digest}
    return {"WARC-Payload-Digest": digest}


def read_record(folder: Path, file: str, offset: int) -> tuple[dict[str, str], bytes]:
    """The WARC headers and payload of the record at ``offset`` (what the page said)."""
    with (folder / file).open("rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        headers = dict(record.rec_headers.headers)
        return headers, record.content_stream().read()


def gzip_member(data: bytes, level: int) -> bytes:
    """One gzip member; levels 0-3 through ISA-L (isal's igzip), higher ones through zlib.

    Archiving is in the main process of every ingest and crawl. On the benchmark's news pages
    (174 KB on average) ISA-L's level 2 takes 0.27 ms a page against zlib's 1.28 ms at level 3,
    for 3 % more bytes; any gzip reader reads either.
    """
    if level <= isal_zlib.ISAL_BEST_COMPRESSION:
        return igzip.compress(data, compresslevel=level, mtime=0)
    return gzip.compress(data, compresslevel=level, mtime=0)
