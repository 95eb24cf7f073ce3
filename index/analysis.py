"""Search terms our Elasticsearch build cannot make (its integ-test distribution has no
analysis-common module: no English stemmer, no CJK bigrams). The same analysis runs on the
documents (the ``terms`` field, whitespace-analysed) and on the words of a query, so
"annotator" finds "annotators" and 外包 matches as a word, not as 外 … 包 anywhere.

English: lower case, Snowball stems. Chinese: jieba words, with beat vocabulary from
``config/nlp/jieba_words.txt`` (数据标注, 外包, 内容审核 …); documents get jieba's search mode
(words and their sub-words), queries its precise mode.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
import snowballstemmer

from nlp.paths import data_file

jieba.setLogLevel(logging.WARNING)
_TOKEN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’][A-Za-z]+)?|[\u3400-\u9fff]+")
_HAN = re.compile(r"[\u3400-\u9fff]")
# a query's syntax: "phrases", -exclusions, | + ( ) operators, and words
_QUERY = re.compile(r'(?P<neg>-?)(?P<phrase>"[^"]*")|(?P<neg2>-?)(?P<word>[^\s"()|+]+)'
                    r"|(?P<op>[()|+])")
# simple_query_string spells OR as | and AND as +; the words, in capitals, mean the same here
_WORD_OPERATORS = {"OR": "|", "AND": "+"}


@lru_cache(maxsize=1)
def _ready() -> snowballstemmer.stemmer:
    jieba.load_userdict(str(data_file(None, "nlp/jieba_words.txt")))
    return snowballstemmer.stemmer("english")


def terms(text: str, query: bool = False) -> list[str]:
    _ready()
    found: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if _HAN.match(token):
            if query:
                found += [w for w in jieba.lcut(token) if w.strip()]
            else:
                found += _document_words(token)
        else:
            found.append(_stem(token.lower()))
    return found


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """One word's stem, remembered: words repeat across a corpus, and the pure-Python Snowball
    stemmer was nine tenths of a reindex's analysis time."""
    return _ready().stemWord(re.sub(r"['’]s$", "", word))


def _document_words(run: str) -> list[str]:
    """jieba's search mode, plus every dictionary word inside a longer word (数据标注员 gives
    数据标注 too), so a query's word is found inside the longer words of a document."""
    words = []
    for word in jieba.lcut_for_search(run):
        words.append(word)
        if len(word) > 3:
            words += [word[i:j] for i in range(len(word)) for j in range(i + 4, len(word) + 1)
                      if (i, j) != (0, len(word)) and jieba.dt.FREQ.get(word[i:j])]
    return words


def document_terms(*texts: str | None) -> str:
    """The ``terms`` field of a document."""
    return " ".join(term for text in texts if text for term in terms(text))


def rewrite(query: str) -> tuple[str, str]:
    """The query for the ordinary fields (Chinese runs as phrases: 外包 means 外包, not 外 and
    包 anywhere) and its analysed twin for the ``terms`` field; operators are kept."""
    plain, analysed = [], []
    for match in _QUERY.finditer(query):
        if match.group("op"):
            plain.append(match.group("op"))
            analysed.append(match.group("op"))
            continue
        negative = match.group("neg") or match.group("neg2") or ""
        phrase = match.group("phrase")
        if phrase is not None:
            plain.append(negative + phrase)
            words = terms(phrase.strip('"'), query=True)
            analysed.append(f'{negative}"{" ".join(words)}"' if words else "")
            continue
        word = match.group("word")
        if word in _WORD_OPERATORS and not negative:  # "a OR b", as people type it
            plain.append(_WORD_OPERATORS[word])
            analysed.append(_WORD_OPERATORS[word])
            continue
        plain.append(negative + (f'"{word}"' if _HAN.search(word) and word != "*" else word))
        if word == "*":
            analysed.append("*")
            continue
        words = terms(word, query=True)
        if not words:
            continue
        joined = " ".join(words)
        analysed.append(f"{negative}({joined})" if negative and len(words) > 1
                        else negative + joined)
    return " ".join(plain), " ".join(a for a in analysed if a)


def stem_prefixes(query: str) -> list[str]:
    """Prefixes that find, in text analysed as written, the words sharing a stem with the
    query's English words: for highlighting what the ``terms`` field matched.

    A Snowball stem is mostly a prefix of its words ("annot" of annotators, "label" of
    labelled). A stem ending in the i of y-words ("compani") drops it, so "company" is
    marked too. Stems under 4 letters would mark too much and are left to the words as
    written; negated words are not marked.
    """
    prefixes: list[str] = []
    for match in _QUERY.finditer(query):
        if match.group("op") or match.group("neg") or match.group("neg2"):
            continue
        words = (match.group("phrase") or match.group("word") or "").strip('"')
        for token in _TOKEN.findall(words):
            if _HAN.match(token):
                continue
            stem = _stem(token.lower())
            if stem.endswith("i") and len(stem) > 4:
                stem = stem[:-1]
            if len(stem) >= 4 and stem not in prefixes:
                prefixes.append(stem)
    return prefixes
