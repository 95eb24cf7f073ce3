"""Which language a text is in, checked against what the page declares."""

from __future__ import annotations

import re
from functools import lru_cache

import py3langid
from opencc import OpenCC

_LANG_ATTR = re.compile(rb"<html[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)",
                        re.IGNORECASE)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def declared_language(raw: bytes) -> str | None:
    """The ``<html lang>`` value, e.g. ``zh-CN``, if the page states one."""
    match = _LANG_ATTR.search(raw[:20000])
    return match.group(1).decode("ascii").replace("_", "-") if match else None


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def fold_traditional(text: str) -> tuple[str, bool]:
    """Simplified-script text, and whether the input was in Traditional script.

    Search and NLP work on Simplified; the caller keeps the original. A text counts as
    Traditional when folding changes at least 3% of its Han characters (a Simplified text
    changes almost none: a few variant forms at most).
    """
    folded = _t2s().convert(text)
    han = len(_HAN.findall(text))
    changed = sum(a != b for a, b in zip(text, folded, strict=False))
    return folded, bool(han) and changed / han >= 0.03


@lru_cache(maxsize=1)
def _identifier() -> py3langid.langid.LanguageIdentifier:
    return py3langid.langid.LanguageIdentifier.from_model_file(
        py3langid.langid.MODEL_FILE, norm_probs=True)


def detect(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of ``text``; the declared language wins only when the text is too short.

    Chinese is decided by script share, because short Chinese passages full of Latin
    names ("OpenAI", "Scale AI") fool character n-gram models.
    """
    sample = text[:1500]  # enough for a confident guess; the classifier is linear in length
    if not sample.strip():
        return declared.split("-")[0].lower() if declared else None
    han = len(_HAN.findall(sample))
    letters = sum(ch.isalpha() for ch in sample)
    if letters and han / letters > 0.3:
        return "zh"
    lang, prob = _identifier().classify(sample)
    if prob < 0.5 and declared:
        return declared.split("-")[0].lower()
    return lang


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
CJK_WEIGHT = 3  # a Han character carries about what three Latin letters do


def text_length(text: str) -> int:
    """Length for the too-short gate, in Latin-letter terms: a 60-character Chinese news
    brief says as much as a 180-letter English one, and must not be refused as too short."""
    return len(text) + (CJK_WEIGHT - 1) * len(_CJK.findall(text))
