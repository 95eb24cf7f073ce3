"""Bilingual search: English stems and Chinese words, which the standard analyzer of our
Elasticsearch build cannot give, plus coverage over time."""

from __future__ import annotations

import re

from index.search import search
from tests.conftest import run_cli

PAGES = {
    "en-annotators": ("2023-01-18", "en", "Annotators in Nairobi labelled graphic text",
                      "The annotators said they labelled thousands of passages a day for a "
                      "client in California, and were paid per passage reviewed."),
    "zh-outsourcing": ("2023-05-02", "zh", "外包公司的数据标注员",
                       "河北保定一家外包公司的数据标注员说，她们每天要标注上千张图片，"
                       "工资按条计算，月底才能结算。"),
    "zh-parcel": ("2024-02-10", "zh", "快递站的包裹",
                  "小区外面的快递站堆满了包裹，工作人员说春节前的包裹数量翻了一番，"
                  "他们每天要工作十二个小时。"),
}


FILLER = {
    "en": "Their accounts were confirmed by documents and by interviews with former colleagues "
          "who worked on the same projects over several months.",
    "zh": "记者走访了当地多家企业，采访了多位从业者和管理人员，了解行业的基本情况。"
          "多位受访者表示，这份工作的强度比想象中更大，而收入并不稳定，很多人只做了几个月。"
          "当地官员则认为，这类岗位为返乡青年提供了新的就业机会，未来还会继续扩大规模。",
}


def _ingest(settings, tmp_path) -> None:  # noqa: ANN001
    for slug, (day, lang, title, body) in PAGES.items():
        page = tmp_path / f"{slug}.html"
        page.write_text(f"<html lang='{lang}'><head><title>{title}</title>"
                        f"<meta property='article:published_time' content='{day}'></head>"
                        f"<body><article><h1>{title}</h1><p>{body}</p><p>{FILLER[lang]}</p>"
                        f"</article></body></html>", encoding="utf-8")
        done = run_cli(settings, "ingest", str(page), "--url", f"https://example.org/{slug}")
        assert done.returncode == 0, done.stderr


def _found(es, settings, query: str) -> set[str]:  # noqa: ANN001
    result = search(es, settings, query)
    return {hit["url"].rsplit("/", 1)[-1] for hit in result["hits"]}


def _marks(es, settings, query: str) -> set[str]:  # noqa: ANN001
    """The words marked in the highlights of the hits."""
    hits = search(es, settings, query)["hits"]
    return {mark for hit in hits for text in hit["highlights"]
            for mark in re.findall(r"<mark>(.*?)</mark>", text)}


def test_stems_words_and_coverage(settings, es, tmp_path) -> None:  # noqa: ANN001
    _ingest(settings, tmp_path)
    assert _found(es, settings, "annotator") == {"en-annotators"}  # stem of "annotators"
    assert _found(es, settings, "labelling") == {"en-annotators"}  # "labelled"
    # 外包 is a word: the parcel story has 外 and 包 but not 外包
    assert _found(es, settings, "外包") == {"zh-outsourcing"}
    assert _found(es, settings, "数据标注") == {"zh-outsourcing"}  # inside 数据标注员
    assert _found(es, settings, "外包 -数据标注") == set()
    assert _found(es, settings, "包裹 | annotators") == {"zh-parcel", "en-annotators"}
    # found through stems and marked where the words stand, though written otherwise
    assert _marks(es, settings, "annotator") >= {"annotators", "Annotators"}
    assert "labelled" in _marks(es, settings, "labelling")
    assert "annotators" not in _marks(es, settings, "labelling -annotator")
    coverage = search(es, settings, "*")["coverage"]
    assert [(c["month"], c["stories"]) for c in coverage] == [
        ("2023-01", 1), ("2023-05", 1), ("2024-02", 1)]
