"""The pages in a real browser: Debian's headless Chromium driven by Playwright against the
real app served by uvicorn on loopback, over a real node and a small bilingual corpus (ingested
files) plus a real crawl of the fixture website, so the sources page has fetches to show.

One browser and one server for the module; a screenshot of every page visited is saved under
``var/test-output/screenshots/``.
"""

from __future__ import annotations

import csv
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from config import Settings, load_settings
from index import schema
from index.client import make_client
from tests.chromium import ensure_chromium
from tests.conftest import ROOT, RUN_ID, free_port, run_cli
from tests.site import pages
from tests.site.server import FixtureSite
from web.app import create_app

SCREENSHOTS = ROOT / "var" / "test-output" / "screenshots"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(2)>"
HOSTILE_BODY = [  # its own story, not a copy of another: search shows it as itself
    "A data annotation contractor in Lagos asked workers to label pasted markup, according to "
    "a complaint filed this week by three annotators who worked for it from home.",
    f"The annotators said they were paid 900 naira an hour to tag {HOSTILE_IMG} elements, and "
    "that the <b>bold</b> claims of the contractor about fair pay & conditions did not hold."]
CRAWL_ENV = {"LABOURWATCH_CRAWL_LOOPBACK_ONLY": "true", "LABOURWATCH_CRAWL_POLITE": "false",
             "LABOURWATCH_CRAWL_TIMEOUT": "1.5", "LABOURWATCH_CRAWL_RETRIES": "0"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, es_url: str) -> Iterator[Settings]:
    """The fixture articles and a hostile one ingested; one section of the fixture site and a
    source whose host is down crawled."""
    root = tmp_path_factory.mktemp("browser")
    settings = load_settings({"data_dir": root / "var", "config_dir": ROOT / "config",
                              "es_url": es_url,
                              "index_prefix": f"lwtest-{RUN_ID}-web{uuid.uuid4().hex[:4]}-"},
                             environ={})
    folder = root / "site"
    folder.mkdir()
    articles = pages.load_articles()
    hostile = articles[0].__class__(**{**articles[0].__dict__, "slug": "hostile",
                                       "title": HOSTILE, "body": HOSTILE_BODY})
    for article in [*articles, hostile]:
        (folder / f"{article.slug}.html").write_text(
            pages.page("https://fixture.example", article), encoding="utf-8")
    done = run_cli(settings, "ingest", str(folder))
    assert done.returncode == 0, done.stderr
    site = FixtureSite().start()
    try:
        sources = site.write_sources(root / "sources.yaml")
        with sources.open("a", encoding="utf-8") as out:  # nothing listens on that port
            out.write(f"- id: site-down\n  name: 停机的来源\n  homepage: http://127.0.0.1:"
                      f"{free_port()}/\n  feeds: ['http://127.0.0.1:{free_port()}/feed.xml']\n"
                      f"  filter: all\n")
        done = run_cli(settings, "crawl", "--sources", str(sources), "--source", "site-tech",
                       "--source", "site-down", **CRAWL_ENV)
        assert done.returncode in (0, 1), done.stderr
    finally:
        site.stop()
    yield settings
    es = make_client(settings)
    schema.drop_all(es, settings)
    es.close()


@pytest.fixture(scope="module")
def server(corpus: Settings) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port, in a thread."""
    port = free_port()
    served = uvicorn.Server(uvicorn.Config(create_app(corpus), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    for _ in range(200):
        if served.started:
            break
        time.sleep(0.05)
    assert served.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(ensure_chromium()),
                                              headless=True)
        yield launched
        launched.close()


@pytest.fixture
def dialogs() -> list[str]:
    """The messages of every dialog (alert, confirm, prompt) the test's page opened."""
    return []


@pytest.fixture
def page(browser: Browser, server: str, dialogs: list[str]) -> Iterator[Page]:
    """A fresh page of its own context; dialogs are recorded and dismissed."""
    context = browser.new_context(base_url=server, accept_downloads=True)
    opened = context.new_page()

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", record)
    yield opened
    context.close()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def search_for(page: Page, words: str) -> None:
    page.get_by_label("Search", exact=True).fill(words)
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()


def hit_titles(page: Page) -> list[str]:
    return page.locator(".hit > a").all_inner_texts()


def test_search_in_english_and_chinese(page: Page) -> None:
    page.goto("/")
    search_for(page, "Nairobi")
    titles = hit_titles(page)
    assert any(t.startswith("Kenyan workers paid under $2 an hour") for t in titles)
    assert page.locator(".hit mark", has_text="Nairobi").count() >= 1
    assert page.locator("figure svg").count() == 1  # the coverage chart, drawn on the server
    shot(page, "search-en")
    search_for(page, "数据标注")
    chinese = page.locator('.hit[lang="zh"] > a').all_inner_texts()
    assert chinese and len(chinese) == len(hit_titles(page))
    assert any("标注" in t for t in chinese)
    assert "数据标注" in page.get_by_label("Search", exact=True).input_value()
    shot(page, "search-zh")


def story_count(page: Page) -> int:
    return int(page.locator("p.muted", has_text="stories (").inner_text().split()[0])


def test_wage_filter_and_country_facet_narrow_the_results(page: Page) -> None:
    page.goto("/?q=workers")
    everything = story_count(page)
    page.locator('input[name="wage_max"]').fill("2")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    cheap = story_count(page)
    assert 0 < cheap < everything
    hourly = [float(x) for line in page.locator(".hit .meta", has_text="pay:").all_inner_texts()
              for x in _hourly_figures(line)]
    assert hourly and min(hourly) <= 2
    page.locator(".facets h3", has_text="country").locator("+ ul").get_by_role(
        "link", name="KE", exact=True).click()
    page.wait_for_load_state()
    assert "country=KE" in page.url and "wage_max=2" in page.url
    kenyan = story_count(page)
    assert 0 < kenyan <= cheap
    assert any("Kenya" in t for t in hit_titles(page))
    assert page.get_by_text("filtered by country KE").count() == 1
    shot(page, "search-filtered")


def _hourly_figures(line: str) -> list[str]:
    return [part.split("/h")[0] for part in line.split("≈ $")[1:]]


def test_article_page_marks_wages_companies_and_places(page: Page) -> None:
    page.goto("/?q=Kenyan+workers+paid+under")
    page.locator(".hit > a", has_text="Kenyan workers paid under $2").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Kenyan workers paid under $2")
    assert "$1.32 and $2 an hour" in page.locator("mark.wage").all_inner_texts()
    assert {"OpenAI", "Sama"} <= set(page.locator("mark.company").all_inner_texts())
    nairobi = page.locator("mark.place", has_text="Nairobi").first
    assert nairobi.get_attribute("title") == "geonames:184745"
    assert page.get_by_role("heading", name="Pay figures").count() == 1
    shot(page, "article")


def test_export_link_downloads_a_csv_of_the_matches(page: Page, tmp_path: Path) -> None:
    page.goto("/?q=Nairobi")
    with page.expect_download() as download:
        page.get_by_role("link", name="their wages (CSV)").click()
    saved = tmp_path / "wages.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(saved.open(encoding="utf-8", newline="")))
    assert rows and {"amount", "currency", "hourly_usd", "sentence", "warc"} <= set(rows[0])
    assert any(r["text"] == "$1.32 and $2 an hour" and r["currency"] == "USD" for r in rows)
    assert all(r["warc"].endswith(".warc.gz") for r in rows)


def wage_table(page: Page) -> list[dict[str, str]]:
    headers = page.locator("table.wages th").all_inner_texts()
    return [dict(zip(headers, row.locator("td").all_inner_texts(), strict=True))
            for row in page.locator("table.wages tr:has(td)").all()]


def test_wages_explorer_lists_and_charts_the_figures(page: Page, dialogs: list[str]) -> None:
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="Wages").click()
    page.wait_for_load_state()
    rows = wage_table(page)
    assert len(rows) >= 10
    assert any(r["as written"] == "$1.32 and $2 an hour" and r["USD/hour"] == "1.32–2.00"
               and "KE" in r["place / country"] for r in rows)
    assert any(r["currency"] == "CNY" for r in rows)  # the Chinese articles' figures too
    assert page.locator("section.charts svg").count() == 3  # by country, company, year
    assert page.locator("script").count() == 0
    lagos = next(r for r in rows if r["as written"] == "900 naira an hour")
    assert HOSTILE_IMG in lagos["sentence"] and lagos["place / country"] == "NG"
    assert page.locator("table.wages img, table.wages b").count() == 0  # shown, not run
    assert dialogs == []
    shot(page, "wages")
    page.locator('input[name="wage_max"]').fill("2")
    page.get_by_role("button", name="Search").click()
    page.locator(".facets h3", has_text="country").locator("+ ul").get_by_role(
        "link", name="KE", exact=True).click()
    page.wait_for_load_state()
    narrowed = wage_table(page)
    assert 0 < len(narrowed) < len(rows)
    assert all(float(r["USD/hour"].split("–")[0]) <= 2 and "KE" in r["place / country"]
               for r in narrowed)
    country_chart = page.locator("figure[aria-label='hourly USD country'] table.summary")
    assert country_chart.locator("td").first.inner_text() == "KE"
    shot(page, "wages-filtered")
    page.locator("table.wages a", has_text="article").first.click()
    page.wait_for_load_state()
    assert page.locator("mark.wage").count() >= 1


def test_sources_page_flags_unhealthy_sources(page: Page) -> None:
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="Sources").click()
    page.wait_for_load_state()
    tech = page.locator('tr[data-source="site-tech"]')
    assert tech.get_attribute("class") == "healthy"
    assert tech.locator(".state").inner_text() == "ok"
    assert int(tech.locator("td").nth(7).inner_text()) >= 1  # articles stored
    down = page.locator('tr[data-source="site-down"]')
    assert down.get_attribute("class") == "unhealthy"
    assert down.locator(".state").inner_text() == "⚠ failing"
    assert down.locator("td").nth(6).inner_text().strip()  # the last error
    assert "停机的来源" in down.inner_text()
    assert page.locator("tr.unhealthy .state").first.evaluate(
        "e => getComputedStyle(e).color") == "rgb(164, 0, 0)"
    shot(page, "sources")


def test_hostile_title_renders_as_text(page: Page, dialogs: list[str]) -> None:
    page.goto("/?q=alert")
    link = page.locator(".hit > a", has_text=HOSTILE)
    assert link.count() == 1
    link.click()
    page.wait_for_load_state()
    shot(page, "hostile")
    assert dialogs == []  # nothing ran
    assert page.locator("h1").inner_text() == HOSTILE  # shown as written
    assert page.title().startswith(HOSTILE)
