"""The relevance scorer: AI-labour stories on topic, general news off, both kept."""

from __future__ import annotations

from pipeline.process import Processor
from pipeline.relevance import load_scorer
from pipeline.store import Store
from tests.conftest import ROOT, benchmark_page, run_cli
from tests.site.pages import load_articles

SCORER = load_scorer(ROOT / "config" / "relevance.yaml")


def test_beat_stories_in_both_languages_are_on_topic() -> None:
    for article in load_articles():
        result = SCORER.score("\n".join(article.body), article.title)
        assert result.on_topic, (article.slug, result)
        assert result.terms  # the score says which terms made it


def test_general_news_is_off_topic(ground_truth) -> None:
    judged = [SCORER.score(v["articleBody"]).on_topic for v in ground_truth.values()]
    assert sum(judged) <= len(judged) * 0.02  # 181 real news pages on everything else


def test_hyphenated_and_chinese_terms_count() -> None:
    text = ("The data-labelling company paid workers in Nairobi $2 an hour to train "
            "ChatGPT, contractors said.")
    assert SCORER.score(text).terms.get("data labelling") == 1
    assert SCORER.score("数据标注员时薪只有 1.5 美元，外包公司为大模型提供训练数据。").on_topic


def test_off_topic_stories_are_kept_and_searchable_on_request(settings, es, ground_truth):
    from index.search import SearchFilters, search

    page = sorted(ground_truth)[0]
    # the crawler's path for a `filter: topic` source
    processor = Processor(settings, Store.from_settings(settings))
    doc = processor.extract(benchmark_page(page).read_bytes(), ground_truth[page]["url"])
    kept = processor.keep(doc, None, topic_filter=True)
    assert kept.outcome == "new" and not doc.on_topic
    run_cli(settings, "reindex")
    title = f'"{doc.title}"'
    assert search(es, settings, title)["total"] == 0
    assert search(es, settings, title, SearchFilters(off_topic=True))["total"] == 1
    done = run_cli(settings, "search", title, "--off-topic", "--json")
    assert '"total": 1' in done.stdout
