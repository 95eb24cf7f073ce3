"""A trained spaCy model named in settings (``nlp_model``), for real: a tiny NER model is
trained here from ``spacy.blank("en")`` on the sentences in ``trained_ner.yaml`` (names no
gazetteer of ours holds), saved with ``to_disk`` and named by its directory, as a user names
an installed package. What it knows must come out as people and organisations with offsets
into the text; what our gazetteers and wage finder give must not change; without it, or with
a model that is not installed, the stage gives what it always gave."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy
import yaml
from spacy.training import Example

from config.settings import Settings, load_settings
from nlp.pipeline import analyse, configure
from nlp.trained import entities, load_trained
from tests.conftest import ROOT, run_cli

TRAINING = Path(__file__).with_name("trained_ner.yaml")
# held out: no sentence of the training set; "Sama" is a gazetteer company the model also tags
STORY = ("In Nairobi, Achieng Otieno and Baraka Mwangi earned $1.50 an hour labelling for Sama; "
         "Kazi Haki and Tiririka Trust took up their case.")
MODEL_PEOPLE = ["Achieng Otieno", "Baraka Mwangi"]
MODEL_ORGANIZATIONS = ["Kazi Haki", "Tiririka Trust"]


def _examples(nlp: spacy.language.Language) -> list[Example]:
    examples = []
    for item in yaml.safe_load(TRAINING.read_text(encoding="utf-8")):
        text = item["text"]
        spans = [(text.index(name), text.index(name) + len(name), label)
                 for name, label in item["entities"]]
        examples.append(Example.from_dict(nlp.make_doc(text), {"entities": spans}))
    return examples


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real NER model directory (seeded, ~5 s on one core), as ``spacy.load`` reads it."""
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    examples = _examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    order = random.Random(0)
    for _ in range(25):
        order.shuffle(examples)
        for batch in spacy.util.minibatch(examples, size=8):
            nlp.update(batch, sgd=optimizer, drop=0.2)
    path = tmp_path_factory.mktemp("model") / "labourwatch_test_ner"
    nlp.to_disk(path)
    return str(path)


@pytest.fixture
def with_model(trained_model: str) -> Iterator[str]:
    configure(model=trained_model)
    yield trained_model
    configure()  # the process-wide default for every other test: no model


@pytest.fixture
def cli_settings(tmp_path: Path) -> Settings:
    """``extract`` needs no cluster: settings without one (no node started for these)."""
    return load_settings({"data_dir": tmp_path / "var", "config_dir": ROOT / "config"},
                         environ={})


def _names(result: dict, field: str) -> list[str]:
    return [item["name"] for item in result[field]]


def _assert_model_names(result: dict, text: str) -> None:
    assert _names(result, "people") == MODEL_PEOPLE
    assert _names(result, "organizations") == MODEL_ORGANIZATIONS  # not Sama a second time
    for item in result["people"] + result["organizations"]:
        assert text[item["start"]:item["end"]] == item["text"] == item["name"]


def test_the_model_itself_knows_the_names_and_the_gazetteer_company(trained_model: str
                                                                    ) -> None:
    """The premise of the tests below: the model alone tags these (Sama included)."""
    found = {(e["text"], e["label"]) for e in entities(load_trained(trained_model), STORY)}
    assert found >= {*((p, "PERSON") for p in MODEL_PEOPLE),
                     *((o, "ORG") for o in MODEL_ORGANIZATIONS), ("Sama", "ORG")}


def test_model_names_are_merged_and_ours_unchanged(trained_model: str) -> None:
    without = analyse(STORY, "en", 2023)
    assert without["people"] == [] and without["organizations"] == []  # ours do not know them
    configure(model=trained_model)
    try:
        merged = analyse(STORY, "en", 2023)
    finally:
        configure()
    _assert_model_names(merged, STORY)
    for field in ("wages", "companies", "places", "attributions", "claims"):
        assert merged[field] == without[field], field
    assert [c["id"] for c in merged["companies"]] == ["sama"]
    assert [(w["amount"], w["currency"], w["period"]) for w in merged["wages"]] == \
        [(1.5, "USD", "hour")]


def test_names_of_ours_win_over_the_models_overlapping_ones(with_model: str) -> None:
    text = ("Achieng Otieno, a moderator, said members of Kazi Haki and the African Content "
            "Moderators Union met at Sama.")
    result = analyse(text, "en")
    assert _names(result, "people") == ["Achieng Otieno"]  # once, though both found her
    # in the order of the text, the model's and ours together
    assert _names(result, "organizations") == ["Kazi Haki", "African Content Moderators Union"]
    assert [c["id"] for c in result["companies"]] == ["sama"]


def test_an_english_model_does_not_read_chinese_text(with_model: str) -> None:
    """Both pipelines in one process (each built once, the model loaded once), and the
    English model left out of Chinese text, where its guesses would be noise."""
    chinese = "据报道，Achieng Otieno 与 Kazi Haki 称，字节跳动的标注员月薪三千元。"
    english_first = analyse(STORY, "en", 2023)
    in_chinese = analyse(chinese, "zh", 2023)
    configure()
    assert in_chinese == analyse(chinese, "zh", 2023)  # exactly what it gives without a model
    assert [c["id"] for c in in_chinese["companies"]] == ["bytedance"]
    configure(model=with_model)
    assert analyse(STORY, "en", 2023) == english_first


def test_extract_command_with_the_model_named_in_the_environment(
        trained_model: str, cli_settings: Settings, tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    done = run_cli(cli_settings, "extract", str(story), "--json", "--year", "2023",
                   LABOURWATCH_NLP_MODEL=trained_model)
    assert done.returncode == 0, done.stderr
    merged = json.loads(done.stdout)
    _assert_model_names(merged, STORY)
    plain = run_cli(cli_settings, "extract", str(story), "--json", "--year", "2023")
    assert plain.returncode == 0, plain.stderr
    without = json.loads(plain.stdout)
    assert without["people"] == [] and without["organizations"] == []
    assert {k: v for k, v in merged.items() if k not in ("people", "organizations")} == \
        {k: v for k, v in without.items() if k not in ("people", "organizations")}


def test_a_model_that_is_not_installed_is_reported_and_the_stage_works(
        cli_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A warning, not an error: the model only adds candidates, and extraction workers under
    ``labourwatch run`` must not stop over it. The warning names the model and the setting."""
    expected = analyse(STORY, "en", 2023)
    configure(model="en_labourwatch_absent_model")
    try:
        with caplog.at_level(logging.WARNING, logger="nlp.trained"):
            assert analyse(STORY, "en", 2023) == expected
    finally:
        configure()
    [record] = [r for r in caplog.records if r.name == "nlp.trained"]
    assert "en_labourwatch_absent_model" in record.getMessage()
    assert "LABOURWATCH_NLP_MODEL" in record.getMessage()

    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    done = run_cli(cli_settings, "extract", str(story), "--json", "--year", "2023",
                   "--lang", "en", LABOURWATCH_NLP_MODEL=str(tmp_path / "no-model-here"))
    assert done.returncode == 0, done.stderr
    assert "not an installed spaCy model" in done.stderr and "no-model-here" in done.stderr
    assert json.loads(done.stdout) == expected
