"""The server-rendered pages, in-process against a real node: search with facets and the
coverage chart, the article page with figures marked in place, and escaping."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import run_cli
from tests.site import pages
from web.app import create_app


@pytest.fixture
def client(settings, es, tmp_path):  # noqa: ANN001, ANN201
    folder = tmp_path / "site"
    folder.mkdir()
    articles = pages.load_articles()
    hostile = articles[0].__class__(**{**articles[0].__dict__,
                                       "slug": "hostile", "title": "<script>alert(1)</script>"})
    for article in [*articles, hostile]:
        (folder / f"{article.slug}.html").write_text(
            pages.page("https://fixture.example", article), encoding="utf-8")
    assert run_cli(settings, "ingest", str(folder)).returncode == 0
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_search_page_in_both_languages_with_facets_and_chart(client: TestClient) -> None:
    page = client.get("/", params={"q": "Nairobi"}).text
    assert "stories" in page and '<svg' in page and "stories per month" in page
    assert "<script" not in page.split("</header>", 1)[1].replace("<script>alert", "")
    assert 'href="/?q=Nairobi&amp;country=KE"' in page  # the country facet as a link
    assert "<mark>Nairobi</mark>" in page
    filtered = client.get("/", params={"q": "Nairobi", "country": "KE", "wage_max": "2"}).text
    assert "≈ $1.32/h" in filtered  # the wage filter's hit shows its hourly figure
    chinese = client.get("/", params={"q": "数据标注"}).text
    assert re.search(r'<a href="/articles/\w+">[^<]*[\u4e00-\u9fff]', chinese)
    assert "No stories match." in client.get("/", params={"q": "zzzqqq"}).text
    assert client.get("/", params={"q": '"((( -'}).status_code == 200


def test_article_page_marks_figures_in_place_and_escapes(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "Kenyan workers paid under"}).json()["hits"]
    page = client.get(f"/articles/{hits[0]['id']}").text
    assert '<mark class="wage" title="USD">$1.32 and $2 an hour</mark>' in page
    assert '<mark class="place" title="geonames:184745">Nairobi</mark>' in page
    assert "Pay figures" in page and "Versions and archived captures" in page
    assert ".warc.gz" in page
    hostile = client.get("/api/search", params={"q": "alert"}).json()["hits"]
    assert hostile
    shown = client.get(f"/articles/{hostile[0]['id']}").text
    assert "<script>alert(1)</script>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    listing = client.get("/", params={"q": "alert"}).text
    assert "<script>alert(1)</script>" not in listing


def test_wages_explorer_and_sources_pages(client: TestClient) -> None:
    page = client.get("/wages", params={"q": "Nairobi"}).text
    assert page.count("<svg") == 3 and "hourly USD by country" in page
    assert "<script" not in page.split("</header>", 1)[1]
    assert '<mark class="wage">$1.32 and $2 an hour</mark>' in page  # in its sentence
    assert 'href="/wages?q=Nairobi&amp;country=KE"' in page  # facets stay on the page
    assert "$12.50" in page
    cheap = client.get("/wages", params={"q": "Nairobi", "country": "KE", "wage_max": "2"}).text
    assert "$1.32 and $2 an hour" in cheap and "$12.50" not in cheap  # only figures ≤ $2/h
    assert "filtered by country KE" in cheap
    chinese = client.get("/wages", params={"q": "数据标注"}).text
    assert re.search(r'<td class="sentence" lang="zh">[^<]*元', chinese)
    sources = client.get("/sources").text  # configured, never crawled in this test: silent
    assert '<tr class="unhealthy" data-source="time">' in sources
    assert "⚠ silent" in sources and "need attention" in sources
