"""Language and script: Traditional Chinese folded to Simplified for search, original kept."""

from __future__ import annotations

from pathlib import Path

from opencc import OpenCC
from sqlalchemy import select

from index.search import search
from pipeline.errors import PipelineError
from pipeline.extract import extract_html
from pipeline.language import detect, fold_traditional
from pipeline.models import Article
from pipeline.store import Store
from tests.conftest import SHARED, json_lines, run_cli
from tests.site.pages import load_articles, page

NER = SHARED / "ner"


def sentences(path: Path) -> list[str]:
    return [line[len("# text = "):] for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("# text = ")]


def chunks(items: list[str], size: int = 5) -> list[str]:
    return ["".join(items[i:i + size]) for i in range(0, len(items), size)]


def test_script_is_recognised_on_real_sentences() -> None:
    traditional = chunks(sentences(NER / "UNER_Chinese-PUD" / "zh_pud-ud-test.iob2"))
    simplified = chunks(sentences(NER / "UNER_Chinese-GSDSIMP" / "zh_gsdsimp-ud-test.iob2"))
    assert len(traditional) >= 150 and len(simplified) >= 80
    assert sum(fold_traditional(t)[1] for t in traditional) >= 0.97 * len(traditional)
    assert sum(fold_traditional(s)[1] for s in simplified) <= 0.03 * len(simplified)
    assert sum(detect(t) == "zh" for t in traditional) == len(traditional)


def test_traditional_page_is_searched_as_simplified_and_clusters_with_its_original(
        settings, es, tmp_path: Path) -> None:
    article = next(a for a in load_articles() if a.lang == "zh")
    simplified_html = page("https://cn.example.org", article)
    traditional_html = OpenCC("s2t").convert(simplified_html)
    (tmp_path / "hans.html").write_text(simplified_html, encoding="utf-8")
    # in Big5, while its <meta charset> still says utf-8: a wrong declaration, as in the wild
    (tmp_path / "hant.html").write_text(traditional_html, encoding="big5",
                                        errors="xmlcharrefreplace")
    first = run_cli(settings, "ingest", str(tmp_path / "hans.html"), "--url",
                    "https://cn.example.org/a.html", "--json")
    second = run_cli(settings, "ingest", str(tmp_path / "hant.html"), "--url",
                     "https://tw.example.org/a.html", "--json")
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    [hans], [hant] = json_lines(first.stdout), json_lines(second.stdout)
    assert hant["language"] == "zh" and hant["title"] == article.title
    assert hant["cluster_id"] == hans["cluster_id"]  # a reprint in the other script
    store = Store.from_settings(settings)
    with store.session() as session:
        row = session.scalars(select(Article).where(
            Article.url == "https://tw.example.org/a.html")).one()
        version = row.versions[-1]
        assert version.script == "Hant"
        assert article.body[0][:20] in version.text  # searchable, analysable form
        assert OpenCC("s2t").convert(article.body[0][:20]) in version.text_original
    query = f'"{article.body[0][:12]}"'
    hits = search(es, settings, query)
    assert hits["documents"] == 2  # both scripts found by one Simplified query


BRIEF = ("据多名标注员介绍，某数据标注公司在保定的基地本月起将计件单价下调两成，"
         "熟练标注员的时薪只有 1.5 美元左右，公司尚未回应置评请求。")


def _brief_page(text: str) -> bytes:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>标注员单价下调'
            f'</title></head><body><article><h1>标注员单价下调</h1><p>{text}</p></article>'
            f"</body></html>").encode()


def test_short_chinese_brief_is_an_article() -> None:
    assert len(BRIEF) < 150  # under min_text_chars if counted letter by letter
    doc = extract_html(_brief_page(BRIEF), url="https://zh.example/brief", min_chars=150)
    assert doc.language == "zh" and "1.5 美元" in doc.text
    try:
        extract_html(_brief_page(BRIEF[:20]), url="https://zh.example/stub", min_chars=150)
    except PipelineError as error:
        assert error.code == "too_short"
    else:
        raise AssertionError("a 20-character stub was accepted")
