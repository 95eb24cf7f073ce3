"""Articles whose body the page splits into several containers of one kind.

Some CMSs (Condé Nast's Wired among them) cut the story into chunks between ad slots: sibling
``<div class="… body__container …">`` elements, each a run of paragraphs. trafilatura picks the
best single container, so half the story goes missing. When the container holding the
extracted text has siblings of the same tag and class (within two levels, the usual grid
wrapper), their paragraphs are the rest of the same story and are joined in page order.
"""

from __future__ import annotations

import re

import lxml.html

_SPACE = re.compile(r"\s+")
_KEY_CHARS = 60  # a paragraph is recognised in the page by its first characters
_MIN_PARAGRAPH = 40  # shorter <p> in another chunk are captions or ad labels
_WRAPPER_LEVELS = 2  # chunk → grid row → chunk list
_MIN_OWN = 2  # paragraphs of the extracted text the chunk must hold to be its container
_MIN_SIBLING = 2  # paragraphs a sibling must hold to be a chunk of the story (not a teaser)


def _key(text: str) -> str:
    return _SPACE.sub(" ", text).strip()[:_KEY_CHARS].lower()


def _paragraphs(chunk: lxml.html.HtmlElement) -> list[str]:
    found = []
    for p in chunk.iter("p"):
        text = _SPACE.sub(" ", p.text_content()).strip()
        if len(text) >= _MIN_PARAGRAPH:
            found.append(text)
    return found


def _chunk_of(tree: lxml.html.HtmlElement, key: str) -> lxml.html.HtmlElement | None:
    """The classed container of the page's paragraph that starts with ``key``."""
    for p in tree.iter("p"):
        if _key(p.text_content()) == key:
            return next((a for a in p.iterancestors() if a.get("class")), None)
    return None


def _siblings(chunk: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Every element of the chunk's tag and class under its wrapper, in page order."""
    scope = chunk
    for _ in range(_WRAPPER_LEVELS):
        scope = scope.getparent() if scope.getparent() is not None else scope
    cls = chunk.get("class")
    return [el for el in scope.iter(chunk.tag) if el.get("class") == cls]


def _missing(chunks: list[lxml.html.HtmlElement], have: set[str], flat: str) -> list[str]:
    """The paragraphs of ``chunks`` the text lacks (``have``: its paragraph keys; ``flat``:
    its words), from chunks that hold enough of them (a pull quote repeats a sentence the
    text already has: it is not missing)."""
    found = []
    for chunk in chunks:
        paragraphs = _paragraphs(chunk)
        if len(paragraphs) >= _MIN_SIBLING:
            found.extend(p for p in paragraphs if _key(p) not in have and p not in flat)
    return found


def join_chunks(tree: lxml.html.HtmlElement, text: str) -> str:
    """``text`` with the paragraphs of the sibling chunks it came without, in page order;
    ``text`` unchanged when the page has no such chunks."""
    lines = [line for line in text.splitlines() if len(line.strip()) >= _MIN_PARAGRAPH]
    if not lines:
        return text
    chunk = _chunk_of(tree, _key(lines[0]))
    if chunk is None or chunk.tag == "body":
        return text
    have = {_key(line) for line in text.splitlines()}
    if sum(_key(p) in have for p in _paragraphs(chunk)) < _MIN_OWN:
        return text
    chunks = _siblings(chunk)
    ours = next(i for i, el in enumerate(chunks) if el is chunk)
    flat = _SPACE.sub(" ", text)
    before = _missing(chunks[:ours], have, flat)
    after = _missing(chunks[ours + 1:], have, flat)
    return "\n".join([*before, text, *after]) if before or after else text
