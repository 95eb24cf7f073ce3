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
