"""Claim tracing: from a figure back to the article that first reported it.

A claim is matched by what survives rewriting and translation: its numbers with their units
(wages compared in their own currency and period, or as hourly USD), the companies and
countries it is about, and, within one language, its words. Candidates come from the claims
index; each is then judged here, in plain Python, so the rules can be read and tested:

* the same figure about the same subject (or in much the same words) states the claim;
* a figure of the same kind about the same subject but with another value conflicts;
* everything else is left out, however many words it shares.

The statements are then put in time order and labelled: ``origin`` (the earliest that
credits no other outlet, preferring the outlet others credit), ``cites`` (credits an outlet,
resolved to that outlet's own article when we hold it), ``repeats`` (later, no credit),
``syndicated_copy`` (same syndication cluster as an earlier statement) and ``conflicts``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from elasticsearch import Elasticsearch, NotFoundError

from config import Settings
from config.yamlio import safe_load
from index.analysis import terms
from index.schema import IndexNames

CANDIDATES = 300
SAME_VALUE = 0.02  # relative difference under which two figures in one unit are the same
SAME_HOURLY = 0.08  # for figures compared through hourly USD (exchange rates are yearly)
TEXT_ALONE = 0.45  # word overlap at which a sentence states a claim that has no figure
TEXT_WITH_FIGURE = 0.2  # word overlap that, with the same figure, makes up for no entity
CONFLICT_WORDS = 0.15  # a different figure conflicts only in a sentence this close in words


@dataclass
class Probe:
    """What is looked for: the claim's figures, subject and words."""

    text: str
    language: str
    numbers: list[dict]
    companies: set[str]
    countries: set[str]
    places: set[str]
    attributed_to: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)  # cities and provinces: finer than countries

    @property
    def words(self) -> set[str]:
        return _words(self.text)


def probe_from_text(text: str, language: str = "auto", year: int | None = None) -> Probe:
    """Run the NLP stage on a pasted claim and keep what matching needs."""
    from nlp.pipeline import analyse

    found = analyse(text, language, year)
    numbers = [n for claim in found["claims"] for n in claim.get("numbers") or []]
    if not numbers:
        numbers = [{"kind": "wage", "value": w["amount"], "value_max": w.get("amount_max"),
                    "unit": f"{w.get('currency')}/{w.get('period')}",
                    "hourly_usd": w.get("hourly_usd"), "text": w["text"]}
                   for w in found["wages"] if w.get("amount") is not None]
    places = found["places"]
    return Probe(text=text, language=found["language"], numbers=numbers,
                 companies={c["id"] for c in found["companies"]},
                 countries={p["country_code"] for p in places if p.get("country_code")},
                 places={p["id"] for p in places},
                 attributed_to={a["source"] for a in found["attributions"] if a.get("source")},
                 regions={p["id"] for p in places if p.get("kind") in ("city", "admin")})


def probe_from_claim(claim: dict) -> Probe:
    """A stored claim (a claims-index document) as a probe, for tracing an article's claims;
    a sentence that names no company or country is about those of its article."""
    return Probe(text=claim["text"], language=claim.get("language") or "en",
                 numbers=list(claim.get("numbers") or []),
                 companies=set(claim.get("companies") or claim.get("article_companies") or []),
                 countries=set(claim.get("countries") or claim.get("article_countries")
                               or []),
                 places=set(claim.get("places") or []),
                 attributed_to=set(claim.get("attributed_to") or []))


def _words(text: str) -> set[str]:
    return {t for t in terms(text, query=True) if len(t) > 1 or "\u4e00" <= t <= "\u9fff"}


# -- retrieval --------------------------------------------------------------------------------
def candidates(es: Elasticsearch, settings: Settings, probe: Probe, size: int = CANDIDATES
               ) -> list[dict]:
    """Claims that share a figure, a subject or words with the probe."""
    should: list[dict] = []
    for number in probe.numbers:
        should.append({"nested": {"path": "numbers", "query": _number_query(number)}})
    if probe.companies:
        should.append({"terms": {"companies": sorted(probe.companies), "boost": 2.0}})
    if probe.countries:
        should.append({"terms": {"countries": sorted(probe.countries)}})
    if probe.companies and probe.countries:
        should.append({"bool": {"filter": [
            {"terms": {"article_companies": sorted(probe.companies)}},
            {"terms": {"article_countries": sorted(probe.countries)}}]}})
    words = " ".join(sorted(probe.words))
    if words:
        should.append({"match": {"terms": {"query": words, "minimum_should_match": "30%"}}})
    if not should:
        return []
    try:
        found = es.search(index=IndexNames(settings.index_prefix, "claims").read_alias,
                          query={"bool": {"should": should, "minimum_should_match": 1}},
                          size=size, source_excludes=["terms"])
    except NotFoundError:
        return []
    return [hit["_source"] | {"_score": hit["_score"]} for hit in found["hits"]["hits"]]


def _number_query(number: dict) -> dict:
    """Same kind of figure; wages near in hourly USD or equal in their own unit, counts
    near in value. Other values of the same kind come in through the subject clauses."""
    same_kind: list[dict] = [{"term": {"numbers.kind": number.get("kind") or "wage"}}]
    value = number.get("value")
    near: list[dict] = []
    if number.get("hourly_usd"):
        low, high = _band(number["hourly_usd"], SAME_HOURLY)
        near.append({"range": {"numbers.hourly_usd": {"gte": low, "lte": high}}})
    if value is not None:
        low, high = _band(value, SAME_VALUE)
        near.append({"range": {"numbers.value": {"gte": low, "lte": high}}})
        near.append({"range": {"numbers.value_max": {"gte": low, "lte": high}}})
    return {"bool": {"filter": same_kind, "should": near, "minimum_should_match": 1}}


def _band(value: float, tolerance: float) -> tuple[float, float]:
    return value * (1 - tolerance), value * (1 + tolerance)


# -- judging ----------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _vocabulary(name: str) -> dict[str, str]:
    """Word → class from ``config/nlp/<name>.yaml`` (classes listing their words)."""
    from nlp.paths import data_file

    table = safe_load(data_file(None, f"nlp/{name}.yaml").read_text(encoding="utf-8"))
    return {word.lower(): cls for cls, words in table.items() for word in words}


@lru_cache(maxsize=4)
def _finder(name: str, leave_out: frozenset[str] = frozenset()
            ) -> tuple[re.Pattern[str], dict[str, str]]:
    """A pattern for a vocabulary's words (whole words in Latin script, anywhere in Han)."""
    words = {w: c for w, c in _vocabulary(name).items() if c not in leave_out}
    latin = sorted((w for w in words if w.isascii()), key=len, reverse=True)
    han = sorted((w for w in words if not w.isascii()), key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, latin)) + r")\b|"
                         + "|".join(map(re.escape, han)), re.IGNORECASE)
    return pattern, words


def _classes(text: str, name: str, leave_out: frozenset[str] = frozenset()) -> set[str]:
    pattern, words = _finder(name, leave_out)
    return {words[m.group(0).lower()] for m in pattern.finditer(text)}


def _unit_classes() -> dict[str, str]:
    """Unit word → what it counts (config/nlp/claim_units.yaml)."""
    return _vocabulary("claim_units")


def _unit_class(unit: str | None) -> str:
    word = (unit or "").lower().strip()
    return _unit_classes().get(word) or _unit_classes().get(word.rstrip("s")) or word


def _period(number: dict) -> str | None:
    unit = number.get("unit") or ""
    return unit.rsplit("/", 1)[-1] if "/" in unit else None


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-9)


def _values(number: dict) -> list[float]:
    return [v for v in (number.get("value"), number.get("value_max")) if v is not None]


def _kind(number: dict) -> str:
    return number.get("kind") or "wage"


def _comparable(a: dict, b: dict) -> bool:
    """Two figures that measure the same thing: a wage for the same period, a count of the
    same sort of people, hours."""
    if _kind(a) != _kind(b):
        return False
    if _kind(a) == "wage":
        return _period(a) == _period(b) and _period(a) not in (None, "-")
    return _kind(a) != "workers" or _unit_class(a.get("unit")) == _unit_class(b.get("unit"))


def _same_figure(a: dict, b: dict) -> bool:
    if _kind(a) != _kind(b):
        return False
    if a.get("unit") == b.get("unit") or _kind(a) != "wage":  # one unit: values decide
        return any(_close(x, y, SAME_VALUE) for x in _values(a) for y in _values(b))
    return any(  # wages in other currencies: through hourly USD, as near as yearly rates allow
        _close(a.get("hourly_usd"), y, SAME_HOURLY) for y in (b.get("hourly_usd"),
                                                                _hourly_max(b)))


def _hourly_max(number: dict) -> float | None:
    low, value, high = number.get("hourly_usd"), number.get("value"), number.get("value_max")
    if low is None or not value or high is None:
        return None
    return low * high / value


@dataclass
class Judgement:
    relation: str  # "states" | "conflicts"
    score: float
    figure: str | None


def roles(text: str) -> set[str]:
    """Who a figure is about (annotators, moderators, ...); the generic "worker" and "job"
    classes say nothing about who."""
    return _classes(text, "claim_units", frozenset({"worker", "job"}))


def events(text: str) -> set[str]:
    """What a count counts (layoffs, plaintiffs, hires...): config/nlp/claim_events.yaml."""
    return _classes(text, "claim_events")


def _compatible(a: set[str], b: set[str]) -> bool:
    return not a or not b or bool(a & b)


def _subject(probe: Probe, claim: dict) -> tuple[bool, bool]:
    """Whether the claim is about the probe's subject (its companies and countries as named
    in the sentence or elsewhere in its article), and whether the sentence itself names part
    of it."""
    companies = set(claim.get("companies") or [])
    countries = set(claim.get("countries") or [])
    around_companies = companies | set(claim.get("article_companies") or [])
    around_countries = countries | set(claim.get("article_countries") or [])
    kept = ((not probe.companies or bool(probe.companies & around_companies))
            and (not probe.countries or bool(probe.countries & around_countries)))
    anchored = bool(probe.companies & companies or probe.countries & countries)
    return kept, anchored


def _same_event(probe: Probe, claim: dict) -> bool:
    """For a conflict, more must agree than for a repeat (where the same figure already says
    much, even translated: "taskers" may come back as 标注员): the same city or province when
    the probe names one, the same sort of workers, and the same event (layoffs, not
    plaintiffs who were laid off)."""
    around = set(claim.get("places") or []) | set(claim.get("article_places") or [])
    asked, said = events(probe.text), events(claim["text"])
    return ((not probe.regions or bool(probe.regions & around))
            and _compatible(roles(probe.text), roles(claim["text"]))
            and (not asked or not said or asked == said))


def judge(probe: Probe, claim: dict) -> Judgement | None:
    """Does this stored claim state the probe's claim, contradict it, or neither?"""
    numbers = claim.get("numbers") or []
    same = next((n for q in probe.numbers for n in numbers if _same_figure(q, n)), None)
    other = next((n for q in probe.numbers for n in numbers
                  if _comparable(q, n) and not _same_figure(q, n)), None)
    kept, anchored = _subject(probe, claim)
    words = probe.words
    overlap = (len(words & _words(claim["text"])) / len(words)) if words else 0.0
    named = bool(probe.companies or probe.countries)
    score = round(0.5 * bool(same) + 0.25 * anchored + 0.25 * overlap, 3)
    if same is not None and kept and (anchored or overlap >= TEXT_WITH_FIGURE
                                      or (not named and overlap > 0)):
        return Judgement("states", score, same.get("text"))
    if not probe.numbers and kept and overlap >= TEXT_ALONE:
        return Judgement("states", score, None)
    if (same is None and other is not None and kept and anchored and _same_event(probe, claim)
            and (overlap >= CONFLICT_WORDS or claim.get("language") != probe.language)):
        return Judgement("conflicts", round(0.5 * score, 3), other.get("text"))
    return None


# -- labelling --------------------------------------------------------------------------------
def label(evidence: list[dict]) -> list[dict]:
    """Order in time and give each statement its relation (see the module docstring)."""
    evidence.sort(key=lambda e: (e["published_at"] or "9999", e["article_id"]))
    seen_clusters: dict[str, dict] = {}
    statements = []
    for item in evidence:
        credited = [o for o in item["attributed_to"] or item["credited_nearby"]
                    if o != item["outlet"]]
        item["credits"] = credited
        first = seen_clusters.get(item["cluster_id"])
        if first is not None and first["article_id"] != item["article_id"]:
            item["relation"] = "syndicated_copy"
            item["copy_of"] = first["url"]
            continue
        seen_clusters.setdefault(item["cluster_id"], item)
        if item["judgement"] == "conflicts":
            item["relation"] = "conflicts"
            continue
        statements.append(item)
    credited_outlets = {o for item in statements for o in item["credits"]}
    uncredited = [i for i in statements if not i["credits"]]
    origin = next((i for i in uncredited if i["outlet"] in credited_outlets),
                  uncredited[0] if uncredited else None)
    for item in statements:
        if item is origin:
            item["relation"] = "origin"
        elif item["credits"]:
            item["relation"] = "cites"
            held = next((i for i in statements if i["outlet"] in item["credits"]
                         and i is not item), None)
            item["cites"] = held["url"] if held else None
        else:
            item["relation"] = "repeats"
    return evidence


def trace(es: Elasticsearch, settings: Settings, probe: Probe) -> dict:
    """Every stored statement of the probe's claim, in time order, each labelled."""
    best: dict[str, tuple[Judgement, dict]] = {}
    for claim in candidates(es, settings, probe):
        judged = judge(probe, claim)
        if judged is None:
            continue
        held = best.get(claim["article_id"])  # one statement per article: its best sentence
        if held is None or _rank(judged) > _rank(held[0]):
            best[claim["article_id"]] = (judged, claim)
    evidence = [{
        "judgement": judged.relation, "score": judged.score, "figure": judged.figure,
        "article_id": claim["article_id"], "url": claim["url"], "title": claim.get("title"),
        "outlet": claim.get("outlet"), "language": claim.get("language"),
        "published_at": claim.get("published_at"), "cluster_id": claim.get("cluster_id"),
        "sentence": claim["text"], "attributed_to": claim.get("attributed_to") or [],
        "credited_nearby": claim.get("credited_nearby") or [],
        "archived": claim.get("archived")} for judged, claim in best.values()]
    labelled = label(evidence)
    for item in labelled:
        item.pop("judgement")
    return {"claim": probe.text, "language": probe.language,
            "figures": [n.get("text") for n in probe.numbers], "evidence": labelled}


def _rank(judged: Judgement) -> tuple[bool, float]:
    return judged.relation == "states", judged.score


def article_claims(es: Elasticsearch, settings: Settings, key: str) -> list[dict]:
    """The claims of one article, by its id or URL, in text order."""
    field_ = "url" if "://" in key else "article_id"
    try:
        found = es.search(index=IndexNames(settings.index_prefix, "claims").read_alias,
                          query={"term": {field_: key}}, size=500, source_excludes=["terms"])
    except NotFoundError:
        return []
    return sorted((hit["_source"] for hit in found["hits"]["hits"]),
                  key=lambda c: c.get("start") or 0)


def trace_article(es: Elasticsearch, settings: Settings, key: str) -> dict:
    """Each claim of an article with its trace."""
    claims = article_claims(es, settings, key)
    return {"article": claims[0]["article_id"] if claims else None,
            "url": claims[0]["url"] if claims else None,
            "claims": [trace(es, settings, probe_from_claim(claim)) for claim in claims]}
