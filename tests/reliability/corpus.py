"""The malformed-input corpus, generated into a test's tmp dir (nothing binary is committed).

Two parts: every feed test case under ``../shared/data/feeds/`` (read in place; feedparser's
ill-formed and encoding cases, real captured feeds), and generated cases — truncated and
garbage HTML, CJK pages with missing or wrong charset declarations, empty, huge and binary
bodies, broken PDFs, a gzip bomb and XML entity expansion ("billion laughs"). Each generated
case is small except the one that must be larger than the test's ``max_file_bytes``.
"""

from __future__ import annotations

import gzip
import io
import os
import random
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from tests.conftest import SHARED
from tests.site import pages
from tests.site.pdf import make_pdf

FEEDS = SHARED / "feeds"
HUGE_BYTES = 60_000_000  # over the suite's max_file_bytes (5 MB), so it must be refused
BOMB_BYTES = 4 * 1024**3  # what the gzip bomb inflates to
BASE = "https://fixture.example"


def feed_files() -> list[Path]:
    """Every feed case in the shared data (not the licence files)."""
    return sorted(p for p in FEEDS.rglob("*") if p.is_file() and p.name != "LICENSE")


def billion_laughs(root: str, body: str, levels: int = 10) -> bytes:
    """XML whose internal DTD expands ``&lol9;`` to 10**levels copies of a word."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n' + "\n".join(entities)
            + "\n]>\n" + body.replace("LOL", f"&lol{levels - 1};")).encode()


@lru_cache(maxsize=1)
def gzip_bomb(size: int = BOMB_BYTES) -> bytes:
    """About 4 MB of gzip that inflates to ``size`` zero bytes: one 16 MB member, repeated
    (a gzip stream may hold many members, and every reader joins them)."""
    member = gzip.compress(b"\0" * (16 * 1024 * 1024), compresslevel=9)
    return member * (size // (16 * 1024 * 1024))


def _article_page(index: int) -> str:
    article = pages.load_articles()[index]
    return pages.page(BASE, article)


def _chinese_text() -> str:
    """The Chinese fixture articles' paragraphs (long enough to pass ``min_text_chars``)."""
    chinese = [a for a in pages.load_articles() if a.lang == "zh"]
    return "\n".join(p for a in chinese[:2] for p in a.paragraphs)


def _cjk_page(text: str, encoding: str, declared: str | None) -> bytes:
    """A page in ``encoding`` declaring ``declared`` (or nothing): what a misconfigured
    server sends. Characters the encoding lacks are dropped, as a real page would not have
    them."""
    meta = f'<meta charset="{declared}">' if declared else ""
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines())
    html = (f"<html><head>{meta}<title>数据标注员的工资</title></head><body><article>"
            f"<h1>数据标注员的工资</h1>{paragraphs}</article></body></html>")
    return html.encode(encoding, errors="ignore")


@lru_cache(maxsize=1)
def _pdf() -> bytes:
    report = pages.load_reports()[0]
    return make_pdf(report["title"], report["author"], report["published"], report["body"])


def _encrypted(raw: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    writer.encrypt(user_password="labour", owner_password="watch", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _broken_xref(raw: bytes) -> bytes:
    """Every xref offset pointing at the wrong byte, and the startxref past the end."""
    head, _, tail = raw.partition(b"xref")
    lines = [line if not line.endswith(b" n ") else b"%010d 00000 n " % (i * 7919)
             for i, line in enumerate(tail.split(b"\n"))]
    broken = head + b"xref" + b"\n".join(lines)
    return broken.replace(b"startxref", b"startxref\n99999999\n%", 1)


def generated_cases() -> dict[str, Callable[[], bytes]]:
    """Name → bytes, for every generated case."""
    rng = random.Random(9)
    page = _article_page(0).encode()
    page_zh = _article_page(15).encode()
    zh = _chinese_text()
    cases: dict[str, Callable[[], bytes]] = {
        "empty.html": lambda: b"",
        "whitespace.html": lambda: b" \t\r\n" * 500,
        "nul-filled.html": lambda: b"\0" * 100_000,
        "nul-in-middle.html": lambda: page[:2000] + b"\0" * 10 + page[2000:],
        "huge.html": lambda: b"<html><body>" + b"<p>labour</p>" * (HUGE_BYTES // 13),
        "big-but-allowed.html": lambda: page.replace(
            b"</article>", b"<p>Padding paragraph about annotators.</p>" * 30_000 + b"</article>"),
        "gzipped.html": lambda: gzip.compress(page),
        "bomb.html.gz": gzip_bomb,
        "bomb.html": gzip_bomb,
        "utf16.html": lambda: page.decode().encode("utf-16"),
        "utf16-no-bom.html": lambda: page.decode().encode("utf-16-le"),
        "latin1-declared-utf8.html": lambda: page.decode().replace(
            "<head>", '<head><meta charset="utf-8">').encode("latin-1", errors="replace")
        + "Café naïve".encode("latin-1"),
        "invalid-utf8.html": lambda: page.replace(b"<p>", b"<p>\xc3\x28\xa0\xa1\xe2\x82\xf0", 5),
        "deep-nesting.html": lambda: b"<html><body>" + b"<div>" * 100_000 + b"text"
        + b"</div>" * 100_000 + b"</body></html>",
        "unclosed-tags.html": lambda: b"<html><body>" + b"<p><b><i><span>work " * 20_000,
        "one-long-word.html": lambda: b"<html><body><p>" + b"a" * 1_100_000 + b"</p></body>",
        "many-attributes.html": lambda: b"<html><body><p " + b" ".join(
            b'a%d="%d"' % (i, i) for i in range(5_000)) + b">x</p></body></html>",
        "jsonld-deep.html": lambda: page.replace(
            b"</head>", b'<script type="application/ld+json">{"@type":"NewsArticle",'
            b'"datePublished":' + b"[" * 100_000 + b"]" * 100_000 + b"}</script></head>"),
        "jsonld-garbage.html": lambda: page.replace(
            b"</head>", b'<script type="application/ld+json">{"@type": "NewsArticle", '
            b'"headline": </script></head>'),
        "absurd-dates.html": lambda: page.replace(
            b"</head>", b'<meta property="article:published_time" content="99999-99-99T99:99">'
            b'<time datetime="0000-00-00">x</time></head>'),
        "billion-laughs.xhtml": lambda: billion_laughs(
            "html", "<html><head><title>LOL</title></head><body><p>LOL</p></body></html>"),
        "billion-laughs-feed.xml": lambda: billion_laughs(
            "rss", '<rss version="2.0"><channel><title>LOL</title><item><title>LOL</title>'
            "<link>https://fixture.example/a</link></item></channel></rss>"),
        "billion-laughs-sitemap.xml": lambda: billion_laughs(
            "urlset", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
            "<loc>https://fixture.example/LOL</loc></url></urlset>"),
        "external-entity.xml": lambda: b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM '
        b'"file:///etc/passwd">]><rss version="2.0"><channel><title>&x;</title></channel></rss>',
        "pdf-good.pdf": _pdf,
        "pdf-truncated.pdf": lambda: _pdf()[: len(_pdf()) // 2],
        "pdf-header-only.pdf": lambda: b"%PDF-1.7\n",
        "pdf-broken-xref.pdf": lambda: _broken_xref(_pdf()),
        "pdf-encrypted.pdf": lambda: _encrypted(_pdf()),
        "pdf-garbage-after-header.pdf": lambda: b"%PDF-1.4\n" + rng.randbytes(20_000),
        "pdf-named-html.html": _pdf,
    }
    for seed in range(4):
        cases[f"random-{seed}.html"] = (lambda s=seed: random.Random(s).randbytes(50_000))
        cases[f"random-text-{seed}.html"] = (lambda s=seed: "".join(
            chr(random.Random(s).randrange(32, 0x9fff)) for _ in range(5_000)).encode(
                "utf-8", errors="ignore"))
    for name, source in (("en", page), ("zh", page_zh)):
        for fraction in (0.05, 0.2, 0.4, 0.6, 0.8, 0.95):
            cut = int(len(source) * fraction)
            cases[f"truncated-{name}-{int(fraction * 100):02d}.html"] = (
                lambda s=source, c=cut: s[:c])
        cases[f"truncated-{name}-mid-char.html"] = (lambda s=source: _mid_char(s))
    for encoding in ("gbk", "big5", "shift_jis"):
        for declared in (None, "utf-8", "iso-8859-1", "gb2312" if encoding != "gbk" else "big5"):
            label = declared or "undeclared"
            cases[f"cjk-{encoding}-as-{label}.html"] = (
                lambda e=encoding, d=declared: _cjk_page(zh, e, d))
    for i in range(10):  # tag soup: fragments of a real page shuffled
        cases[f"tag-soup-{i}.html"] = (lambda s=i: _shuffled(page, s))
    return cases


def _mid_char(raw: bytes) -> bytes:
    """Cut inside a multi-byte UTF-8 character."""
    for index in range(len(raw) // 2, len(raw)):
        if raw[index] >= 0xC0:
            return raw[:index + 1]
    return raw[:-1]


def _shuffled(raw: bytes, seed: int) -> bytes:
    parts = raw.split(b"<")
    random.Random(seed).shuffle(parts)
    return b"<".join(parts)


def build(folder: Path) -> list[Path]:
    """Write the generated cases into ``folder``; the corpus is those plus the feed files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in generated_cases().items():
        path = folder / name
        path.write_bytes(make())
        paths.append(path)
    dangling = folder / "dangling-link.html"
    os.symlink(folder / "no-such-file.html", dangling)
    return [*paths, dangling, *feed_files()]
