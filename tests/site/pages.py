"""Pages, feeds and sitemaps of the fixture site, rendered from articles.yaml."""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SECTIONS = {"news": "News", "tech": "Technology", "world": "World", "cn": "中文",
            "magazine": "Magazine"}


@dataclass
class Article:
    slug: str
    lang: str
    section: str
    title: str
    author: str
    published: datetime
    updated: datetime | None
    summary: str
    body: list[str]
    extra: list[str] = field(default_factory=list)  # paragraphs added by a later edit

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.slug}.html"

    @property
    def paragraphs(self) -> list[str]:
        return self.body + self.extra

    @property
    def modified(self) -> datetime:
        return self.updated or self.published


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def load_articles() -> list[Article]:
    rows = yaml.safe_load((HERE / "articles.yaml").read_text(encoding="utf-8"))
    return [Article(slug=r["slug"], lang=r["lang"], section=r["section"], title=r["title"],
                    author=r["author"], published=_when(r["published"]),
                    updated=_when(r.get("updated")), summary=r["summary"], body=r["body"])
            for r in rows]


def load_reports() -> list[dict]:
    return yaml.safe_load((HERE / "reports.yaml").read_text(encoding="utf-8"))


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def page(base: str, article: Article, canonical: str | None = None, repeat: int = 1,
         charset_declared: bool = True) -> str:
    """A realistic article page: navigation, byline, JSON-LD, related links, footer."""
    url = canonical or base + article.path
    zh = article.lang == "zh"
    paragraphs = "\n".join(f"      <p>{escape(p)}</p>" for p in article.paragraphs * repeat)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "headline": article.title, "datePublished": iso(article.published),
                     "dateModified": iso(article.modified),
                     "author": [{"@type": "Person", "name": article.author}],
                     "publisher": {"@type": "Organization", "name": "Loopback Ledger"}},
                    ensure_ascii=False)
    meta_charset = '<meta charset="utf-8">' if charset_declared else ""
    nav = " ".join(f'<a href="/{key}/">{escape(name)}</a>' for key, name in SECTIONS.items())
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if zh else 'en'}">
<head>
  {meta_charset}
  <title>{escape(article.title)} | Loopback Ledger</title>
  <link rel="canonical" href="{escape(url)}">
  <meta property="og:url" content="{escape(url)}">
  <meta property="og:title" content="{escape(article.title)}">
  <meta property="og:site_name" content="Loopback Ledger">
  <meta name="description" content="{escape(article.summary)}">
  <meta name="author" content="{escape(article.author)}">
  <meta property="article:published_time" content="{iso(article.published)}">
  <script type="application/ld+json">{ld}</script>
</head>
<body>
  <header class="site-header"><a href="/">Loopback Ledger</a> <nav>{nav}</nav>
    <form action="/search"><input name="q"></form></header>
  <div class="ad">Advertisement: subscribe for full access to our newsletters.</div>
  <main>
    <article>
      <h1>{escape(article.title)}</h1>
      <p class="byline">{'作者' if zh else 'By'} <span class="author">{escape(article.author)}</span>
        <time datetime="{iso(article.published)}">{article.published:%Y-%m-%d}</time></p>
{paragraphs}
    </article>
    <aside class="related"><h2>{'相关阅读' if zh else 'Related'}</h2>
      <ul><li><a href="/{article.section}/">{'更多' if zh else 'More from'} {escape(SECTIONS.get(article.section, article.section))}</a></li></ul>
    </aside>
  </main>
  <footer>© 2025 Loopback Ledger · <a href="/about.html">About</a> · <a href="/privacy.html">Privacy</a></footer>
</body>
</html>
"""


def listing(base: str, title: str, links: list[tuple[str, str]]) -> str:
    items = "\n".join(f'    <li><a href="{escape(href)}">{escape(text)}</a></li>'
                      for href, text in links)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | Loopback Ledger</title></head>
<body><header><a href="/">Loopback Ledger</a></header>
  <h1>{escape(title)}</h1>
  <ul class="stories">
{items}
  </ul>
  <nav class="pager"><a href="/tags/ai/">Tag: AI</a> <a href="/authors/">Authors</a></nav>
</body></html>
"""


def rss2(base: str, section: str, articles: list[Article], extra_items: list[str]) -> str:
    items = "".join(f"""
    <item>
      <title>{escape(a.title)}</title>
      <link>{base}{a.path}</link>
      <guid isPermaLink="true">{base}{a.path}</guid>
      <pubDate>{format_datetime(a.modified, usegmt=True)}</pubDate>
      <dc:creator>{escape(a.author)}</dc:creator>
      <description>{escape(a.summary)}</description>
    </item>""" for a in articles)
    extras = "".join(f"""
    <item><title>{escape(path)}</title><link>{base}{path}</link></item>""" for path in extra_items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Loopback Ledger: {SECTIONS[section]}</title>
    <link>{base}/{section}/</link>
    <description>Coverage of the people behind AI systems</description>
    <language>en</language>{items}{extras}
  </channel>
</rss>
"""


def atom(base: str, section: str, articles: list[Article]) -> str:
    entries = "".join(f"""
  <entry>
    <title>{escape(a.title)}</title>
    <link rel="alternate" href="{base}{a.path}"/>
    <id>tag:loopback-ledger,2024:{a.slug}</id>
    <published>{iso(a.published)}</published>
    <updated>{iso(a.modified)}</updated>
    <author><name>{escape(a.author)}</name></author>
    <summary type="html">&lt;p&gt;{escape(escape(a.summary))}&lt;/p&gt;</summary>
  </entry>""" for a in articles)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Loopback Ledger: {SECTIONS[section]}</title>
  <link rel="self" href="{base}/{section}/atom.xml"/>
  <id>{base}/{section}/</id>
  <updated>{iso(max(a.modified for a in articles))}</updated>{entries}
</feed>
"""


def rdf(base: str, section: str, articles: list[Article]) -> str:
    seq = "".join(f'\n        <rdf:li rdf:resource="{base}{a.path}"/>' for a in articles)
    items = "".join(f"""
  <item rdf:about="{base}{a.path}">
    <title>{escape(a.title)}</title>
    <link>{base}{a.path}</link>
    <description>{escape(a.summary)}</description>
    <dc:date>{iso(a.modified)}</dc:date>
    <dc:creator>{escape(a.author)}</dc:creator>
  </item>""" for a in articles)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="{base}/{section}/feed.rdf">
    <title>Loopback Ledger: {SECTIONS[section]}</title>
    <link>{base}/{section}/</link>
    <description>World coverage</description>
    <items><rdf:Seq>{seq}
    </rdf:Seq></items>
  </channel>{items}
</rdf:RDF>
"""


def json_feed(base: str, section: str, articles: list[Article]) -> str:
    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"Loopback Ledger: {SECTIONS[section]}",
        "home_page_url": f"{base}/{section}/", "feed_url": f"{base}/{section}/feed.json",
        "language": "zh-CN",
        "items": [{"id": a.slug, "url": base + a.path, "title": a.title,
                   "summary": a.summary, "date_published": iso(a.published),
                   "date_modified": iso(a.modified), "authors": [{"name": a.author}]}
                  for a in articles]}, ensure_ascii=False, indent=1)


def news_sitemap(base: str, articles: list[Article], extra_urls: list[str]) -> bytes:
    urls = "".join(f"""
  <url>
    <loc>{base}{a.path}</loc>
    <lastmod>{iso(a.modified)}</lastmod>
    <news:news>
      <news:publication><news:name>Loopback Ledger</news:name>
        <news:language>{a.lang}</news:language></news:publication>
      <news:publication_date>{iso(a.published)}</news:publication_date>
      <news:title>{escape(a.title)}</news:title>
    </news:news>
  </url>""" for a in articles)
    extras = "".join(f"\n  <url><loc>{base}{u}</loc></url>" for u in extra_urls)
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}{extras}
</urlset>
"""
    return gzip.compress(xml.encode("utf-8"), mtime=0)


def sitemap_index(base: str, children: list[str], lastmod: datetime) -> str:
    items = "".join(f"""
  <sitemap><loc>{base}{c}</loc><lastmod>{iso(lastmod)}</lastmod></sitemap>""" for c in children)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}
</sitemapindex>
"""


_VOCABULARY = ["council", "budget", "river", "school", "election", "harbour", "station", "market", "festival", "court", "minister", "report", "weather", "season", "league", "museum", "bridge", "railway", "hospital", "village", "parliament", "ferry", "vineyard", "orchestra", "airport", "stadium", "library", "tunnel", "coast", "forest", "policy", "tariff", "inflation", "strike", "verdict", "summit", "treaty", "drought", "harvest", "cathedral", "volcano", "glacier", "satellite", "senator", "mayor", "candidate", "referendum", "pension", "mortgage", "quarter", "profit", "merger", "factory", "refinery", "pipeline", "reservoir"]


def mirror_page(path: str) -> str:
    """A stand-in page for an entry of a real captured feed, mirrored on loopback."""
    words = [w for w in path.replace("-", "/").replace("_", "/").split("/") if w.isalpha()]
    topic = " ".join(words[-6:]) or "the story"
    # Text of its own for each page (seeded by the path), so no two mirrors look like copies.
    chooser = random.Random(path)
    paragraphs = [" ".join(chooser.choice(_VOCABULARY) for _ in range(60)) for _ in range(3)]
    body = f"<p>This loopback mirror stands in for the article at {escape(path)}.</p>\n" + \
        "\n".join(f"<p>{escape(p.capitalize())}.</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Mirror: {escape(topic)}</title></head><body><article><h1>Mirror: {escape(topic)}</h1>
{body}</article></body></html>"""


def later(value: datetime, days: int) -> datetime:
    return value + timedelta(days=days)
