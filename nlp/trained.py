"""A trained spaCy model named in settings (``nlp_model``): its named entities become extra
candidates beside what our gazetteers and patterns find. Optional by design: a model that is
not installed is reported once per process and left out, so the stage runs as without one
(extraction workers under ``labourwatch run`` must not stop over an optional extra).
"""

from __future__ import annotations

import logging
from functools import lru_cache

import spacy
from spacy.language import Language

log = logging.getLogger(__name__)

# components of a packaged model that named entities do not need (its ner keeps tok2vec)
_UNUSED = ["lemmatizer", "parser", "tagger", "senter", "morphologizer", "attribute_ruler"]


@lru_cache(maxsize=4)
def load_trained(model: str) -> Language | None:
    """The model by package name or directory, loaded once per process; None when missing.

    A warning rather than an error: the model only adds candidates, and the stage is
    complete without it; the warning names the setting so the user can fix or unset it.
    """
    try:
        return spacy.load(model, exclude=_UNUSED)
    except OSError as error:
        reason = str(error).splitlines()[0]
        log.warning("nlp_model %r is not an installed spaCy model (%s); extracting without it "
                    "(install it with `python -m spacy download NAME`, or unset "
                    "LABOURWATCH_NLP_MODEL)", model, reason)
        return None


def reads(trained: Language, pipeline: str) -> bool:
    """Whether the model suits the ``en`` or ``zh`` pipeline: a Chinese model for Chinese
    text, any other for the rest (which all share the ``en`` pipeline, as detection of short
    passages is unsure: "pcm" for plain English news), ``xx`` for both. An English model run
    over Chinese text (one token per run of characters) only guesses noise."""
    return trained.lang == "xx" or (trained.lang == "zh") == (pipeline == "zh")


def entities(trained: Language, text: str) -> list[dict]:
    """The model's entities with offsets into ``text``: from the model's own doc over the
    same string, so no re-alignment to our tokens can move them."""
    return [{"label": e.label_, "text": e.text, "start": e.start_char, "end": e.end_char}
            for e in trained(text).ents]
