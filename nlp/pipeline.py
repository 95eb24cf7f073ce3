"""The NLP stage: a blank spaCy pipeline per language (jieba segmentation for Chinese) with
labourwatch's components; a trained model named in settings adds its entities as extra
candidates where one is installed.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc

import nlp.components  # noqa: F401 - registers the factories
from nlp.trained import load_trained, reads
from pipeline.language import detect

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict" on every start

COMPONENTS = ("labourwatch_attributions", "labourwatch_companies",
              "labourwatch_organizations", "labourwatch_places", "labourwatch_wages",
              "labourwatch_claims")
FIELDS = ("wages", "companies", "places", "organizations", "people", "attributions", "claims")


# process-wide options (set once per process: the CLI, each extraction worker)
_OPTIONS: dict[str, str | None] = {"model": None, "config_dir": None}


def configure(model: str | None = None, config_dir: str | Path | None = None) -> None:
    """A trained model to merge in, and the config dir whose data files override ours."""
    _OPTIONS.update(model=model or None, config_dir=str(config_dir) if config_dir else None)


@lru_cache(maxsize=8)
def build(language: str, model: str | None = None, config_dir: str | None = None) -> Language:
    """``en`` or ``zh`` (``analyse`` runs every other language through ``en``)."""
    if language == "zh":
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    else:
        try:
            nlp = spacy.blank(language)
        except (ImportError, KeyError):  # a language spaCy has no tokenizer for
            nlp = spacy.blank("xx")
    for name in COMPONENTS:
        nlp.add_pipe(name, config={"config_dir": config_dir or ""})
    trained = load_trained(model) if model else None
    if trained is not None and reads(trained, language):  # its people and organisations
        nlp.add_pipe("labourwatch_model_entities", config={"model": model},
                     before="labourwatch_organizations")
    elif trained is not None:
        log.info("nlp_model %s (%s) is not used on the %s pipeline", model, trained.lang,
                 language)
    return nlp


def analyse(text: str, language: str = "auto", year: int | None = None) -> dict:
    """Everything the NLP stage finds in ``text``, in the shape of ``extract --json``.

    Chinese in Traditional script is matched as written (the gazetteers hold both scripts),
    so offsets always point into the text given.
    """
    if language == "auto":
        language = detect(text) or "en"
    # our components read the raw text; the tokenizer only places spans, so every language
    # but Chinese shares the English pipeline (one per process, not one per language seen)
    nlp = build("zh" if language.startswith("zh") else "en", _OPTIONS["model"],
                _OPTIONS["config_dir"])
    if len(text) > nlp.max_length:
        # spaCy refuses longer texts (its default limit, 1M characters, is kept: our pipeline
        # took 13 s and 550 MB on 2M). Only a padded page or a huge report gets here; its
        # tail goes unanalysed, and offsets into the prefix are offsets into the text.
        log.info("text of %d characters: only the first %d analysed", len(text),
                 nlp.max_length)
        text = text[:nlp.max_length]
    # no tokens: every component reads the text and records offsets into it; tokens would
    # only place ``doc.spans``, which this result leaves out, and on English news the
    # tokenizer took 40 % of the stage. ``nlp(text)`` still tokenizes and fills the spans.
    doc = Doc(nlp.vocab)
    doc.user_data["labourwatch_text"] = text
    doc._.year = year
    for _name, component in nlp.pipeline:
        doc = component(doc)
    result: dict = {"language": language}
    for field in FIELDS:
        result[field] = doc._.get(field) or []
    return result

