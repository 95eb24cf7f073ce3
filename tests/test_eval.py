"""Quality floors on the shared real data: extraction may not get worse than pinned."""

from __future__ import annotations

import yaml

from bench.eval import FLOORS, date_scores, ours_date, ours_text, text_scores

FLOOR = yaml.safe_load(FLOORS.read_text(encoding="utf-8"))


def test_text_extraction_stays_above_its_floors() -> None:
    assert text_scores(ours_text, held_out=False)["f1"] >= FLOOR["text_f1_tune"]
    assert text_scores(ours_text, held_out=True)["f1"] >= FLOOR["text_f1_held_out"]


def test_publication_dates_stay_above_their_floors() -> None:
    for name, scores in date_scores(ours_date).items():
        assert scores["pages"] >= 190
        assert scores["accuracy"] >= FLOOR["date_accuracy"][name], name


def test_syndication_decisions_stay_above_their_floors() -> None:
    from bench.eval import dedup_scores

    scores = dedup_scores()
    assert scores["positives"] >= 60 and scores["pairs"] - scores["positives"] >= 60
    assert scores["precision"] >= FLOOR["dedup_precision"]
    assert scores["recall"] >= FLOOR["dedup_recall"]


def test_nlp_fields_stay_above_their_floors() -> None:
    from bench.nlp_eval import FIELDS, SETS, evaluate

    for set_name, path in SETS.items():
        scores = evaluate(path)
        assert scores["items"] >= {"dev": 250, "dev2": 150, "dev3": 150, "check": 100}[set_name]
        for field in FIELDS:
            floor = FLOOR["nlp_f1"][set_name].get(field)
            if floor is not None:
                assert scores[f"{field}/all"]["f1"] >= floor, \
                    (set_name, field, scores["errors"][field][:10])


def test_chinese_place_recall_stays_above_its_floor() -> None:
    from bench.nlp_eval import ner_recall

    for name, recall in ner_recall().items():
        assert recall["LOC spans"] > 400
        assert recall["LOC"] >= FLOOR["ner_loc_recall"], name


def test_claim_tracing_stays_above_its_floors(es_url: str) -> None:
    from bench.trace_eval import SETS, evaluate

    for name, path in SETS.items():
        scores = evaluate(es_url, path, verbose=True)
        assert scores["chains"] >= {"chains": 20, "check": 10}[name]
        for metric, floor in FLOOR["trace"][name].items():
            assert scores[metric] >= floor, (name, metric, scores["misses"][:5])
