"""Property tests of the text-facing parsers (hypothesis, a bounded number of examples each)
and of the JSON API against its own OpenAPI description (schemathesis): arbitrary input is
answered, never a crash or a server error."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from crawlers.feeds import parse_feed
from crawlers.sitemaps import parse_sitemap
from index.analysis import rewrite
from index.search import search
from nlp.numbers import parse_chinese, parse_chinese_range, parse_digits, parse_words
from nlp.pipeline import analyse
from tests.conftest import run_cli
from tests.site import pages
from web.app import create_app

BOUNDED = examples(max_examples=150, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow,
                                          HealthCheck.function_scoped_fixture])

# the pieces wage and claim sentences are made of, in both languages, with noise between
PIECES = ["$", "€", "£", "¥", "₹", "₱", "KSh", "USD", "元", "万", "萬", "亿", "千", "百", "两",
          "三", "十几", "几千", "过万", "月薪", "日薪", "时薪", "每小时", "每月", "an hour",
          "a month",
          " per day", "between", " and ", " to ", "-", "–", "~", "至", ",", "，", ".", "。", "\n",
          " ", "1", "2.5", "1,500", "0", "99999999999999999999", "1.5 million", "k", "Sama",
          "Scale AI", "Nairobi", "Kenya", "肯尼亚", "said", "told Reuters", "据新华社报道",
          "数据标注员", "annotators", "earn", "paid", "²", "٣", "\u200b", "\ufeff"]
sentences = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)),
                     max_size=40).map("".join)
SPAN_FIELDS = ("wages", "companies", "places", "organizations", "people", "attributions",
               "claims")


@BOUNDED
@given(sentences, st.sampled_from(["auto", "en", "zh"]))
def test_analyse_never_raises_and_spans_point_into_the_text(text: str, language: str) -> None:
    found = analyse(text, language, 2024)
    for field in SPAN_FIELDS:
        for span in found[field]:
            if "start" not in span:
                continue
            assert 0 <= span["start"] <= span["end"] <= len(text), (field, span)
            assert text[span["start"]:span["end"]] == span["text"], (field, span)


# numerals of both scripts, and digits that are not decimal (², ٣) or half a number (".")
numerals = st.text(alphabet="0123456789.,²٣ 一二两三四十百千万萬亿零〇几过上元kKm", max_size=12)


@BOUNDED
@given(st.one_of(numerals, sentences, st.text(max_size=30)))
def test_number_parsers_never_raise(text: str) -> None:
    for parse in (parse_digits, parse_words, parse_chinese):
        value = parse(text)
        assert value is None or isinstance(value, float | int)
    ranged = parse_chinese_range(text)
    assert ranged is None or ranged[0] >= 0


queries = st.lists(st.one_of(st.sampled_from(['"', "(", ")", "|", "+", "-", "*", "~", "\\", "OR",
                                              "AND", " ", "数据标注", "外包", "annotator",
                                              "title:", "[", "]", "{", "}", "/", ":", "^", "&&"]),
                             st.text(max_size=5)), max_size=15).map("".join)


@BOUNDED
@given(queries)
def test_rewrite_never_raises(query: str) -> None:
    plain, analysed = rewrite(query)
    assert isinstance(plain, str) and isinstance(analysed, str)


def test_rewritten_queries_never_make_search_error(settings, es) -> None:  # noqa: ANN001
    """Against the real node with a few stories indexed: every generated query is answered."""
    folder = settings.data_dir.parent / "site"
    folder.mkdir()
    for article in pages.load_articles()[::11]:
        (folder / f"{article.slug}.html").write_text(pages.page("https://fixture.example",
                                                                article), encoding="utf-8")
    assert run_cli(settings, "ingest", str(folder)).returncode == 0
    answered = []

    @examples(max_examples=30, deadline=None, derandomize=True)
    @given(queries)
    def run(query: str) -> None:
        result = search(es, settings, query, limit=5)
        assert result["total"] >= 0
        answered.append(query)

    run()
    assert answered
    print(f"\nsearch: {len(answered)} generated queries answered")


@BOUNDED
@given(st.one_of(st.binary(max_size=2000),
                 st.lists(st.sampled_from([b"<?xml version='1.0'?>", b"<rss>", b"<feed>",
                                           b"<channel>", b"<item>", b"<entry>", b"<link>",
                                           b"http://a.example/", b"</item>", b"<!DOCTYPE x [",
                                           b"<!ENTITY a 'aaaa'>", b"]>", b"&a;", b"{", b"}",
                                           b"\x00", b"\xff\xfe", b"\x1f\x8b", b"<urlset>",
                                           b"<url><loc>", b"</loc></url>"]),
                          max_size=30).map(b"".join)))
def test_feed_and_sitemap_parsing_never_raise(body: bytes) -> None:
    feed = parse_feed(body, "https://fixture.example/feed")
    assert all(entry.url for entry in feed.entries)
    sitemap = parse_sitemap(body)
    assert sitemap.kind in {"index", "urlset", "invalid"}


def test_api_never_answers_with_a_server_error(settings, es, tmp_path) -> None:  # noqa: ANN001
    """Every GET operation of /openapi.json with schemathesis' generated requests (valid and
    invalid); POST /api/crawl is left out, it would start a crawl."""
    folder = tmp_path / "site"
    folder.mkdir()
    for article in pages.load_articles()[::5]:
        (folder / f"{article.slug}.html").write_text(pages.page("https://fixture.example",
                                                                article), encoding="utf-8")
    assert run_cli(settings, "ingest", str(folder)).returncode == 0
    app = create_app(settings)
    with TestClient(app):  # runs the app's startup, as a server would
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        gets = [op for op in operations if op.method.upper() == "GET"]
        assert {op.path for op in gets} >= {"/api/search", "/api/wages", "/api/export/{kind}"}
        calls = 0
        for operation in gets:
            @examples(max_examples=15, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(operation.as_strategy())
            def call(case) -> None:  # noqa: ANN001
                nonlocal calls
                response = case.call()
                calls += 1
                assert response.status_code < 500, (case.method, case.formatted_path,
                                                    case.query, response.text[:500])

            call()
        assert calls >= len(gets)
        print(f"\nschemathesis: {calls} requests over {len(gets)} GET operations, no 5xx")
