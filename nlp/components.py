"""labourwatch's spaCy components, registered as factories with what each requires and
assigns. Each reads the whole ``doc.text`` with its gazetteer or patterns (fast, C-level
matching) and records what it found both as plain records in ``doc._`` (offsets into the
text, for JSON) and as ``doc.spans`` groups (for anything that wants spaCy spans).

Order matters and is declared: outlets, companies and organisations mask places inside
their names ("Los Angeles Times", "African Content Moderators Union"; "Nairobi-based" stays
a place); wages read the countries for
ambiguous currencies ("shillings" in Uganda); claims read everything per sentence.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from nlp.attributions import load_attributions
from nlp.claims import hours, worker_counts
from nlp.companies import load_companies
from nlp.organizations import Named, load_organizations
from nlp.places import load_gazetteer
from nlp.trained import entities, load_trained
from nlp.wages import load_wage_finder

# the data files come from this config dir when it has them (else the shipped config/)
DEFAULTS = {"config_dir": ""}

for _name in ("year", "outlet_names", "attributions", "companies", "places", "organizations",
              "people", "wages", "claims", "model_entities"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def text_of(doc: Doc) -> str:
    """The doc's text, built once: spaCy joins it from the tokens on every ``doc.text``."""
    text = doc.user_data.get("labourwatch_text")
    if text is None:
        text = doc.user_data["labourwatch_text"] = doc.text
    return text


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9\u4e00-\u9fff])"
                           r"|(?<=[。！？；])[”’」』）]*\s*|\n+")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Character offsets of each sentence. A regular expression over the text rather than
    spaCy's sentencizer: same boundaries for news prose, without building a Python object
    per token (which cost more than all our components together)."""
    bounds, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > start:
            bounds.append((start, match.start()))
        start = match.end()
    if start < len(text.rstrip()):
        bounds.append((start, len(text.rstrip())))
    return [(s, e) for s, e in bounds if text[s:e].strip()]


def _spans(doc: Doc, key: str, records: list[dict], label_key: str) -> None:
    if not len(doc):  # a doc without tokens (``analyse``) has no spans to place
        return
    spans = []
    for record in records:
        span = doc.char_span(record["start"], record["end"], label=str(record[label_key]),
                             alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[key] = spans


@Language.factory("labourwatch_attributions", default_config=DEFAULTS,
                  assigns=["doc._.attributions", "doc._.outlet_names", "doc.spans"])
def make_attributions(nlp: Language, name: str, config_dir: str):  # noqa: ANN201 - factory
    finder = load_attributions(config_dir or None)

    def attributions(doc: Doc) -> Doc:
        text = text_of(doc)
        doc._.outlet_names = finder.names(text)
        doc._.attributions = [{"source": a.outlet.id, "name": a.outlet.name, "text": a.text,
                               "start": a.start, "end": a.end} for a in finder.find(text)]
        _spans(doc, "attributions", doc._.attributions, "source")
        return doc

    return attributions


@Language.factory("labourwatch_companies", default_config=DEFAULTS,
                  requires=["doc._.outlet_names"], assigns=["doc._.companies", "doc.spans"])
def make_companies(nlp: Language, name: str, config_dir: str):  # noqa: ANN201
    finder = load_companies(config_dir or None)

    def companies(doc: Doc) -> Doc:
        found = finder.find(text_of(doc), doc._.outlet_names or [])
        doc._.companies = [{"id": f.company.id, "name": f.company.name, "kind": f.company.kind,
                            "text": f.text, "start": f.start, "end": f.end} for f in found]
        _spans(doc, "companies", doc._.companies, "id")
        return doc

    return companies


@Language.factory("labourwatch_places", default_config=DEFAULTS,
                  requires=["doc._.outlet_names", "doc._.companies", "doc._.organizations"],
                  assigns=["doc._.places", "doc.spans"])
def make_places(nlp: Language, name: str, config_dir: str):  # noqa: ANN201
    gazetteer = load_gazetteer(config_dir or None)

    def places(doc: Doc) -> Doc:
        masked = [*(doc._.outlet_names or []),
                  *((c["start"], c["end"]) for c in doc._.companies or []),
                  *((o["start"], o["end"]) for o in doc._.organizations or [])]
        doc._.places = [{**place.as_json(), "text": hit.text, "start": hit.start,
                         "end": hit.end} for hit, place in gazetteer.find(text_of(doc), masked)]
        _spans(doc, "places", doc._.places, "id")
        return doc

    return places


@Language.factory("labourwatch_model_entities", default_config={"model": ""},
                  assigns=["doc._.model_entities", "doc.spans"])
def make_model_entities(nlp: Language, name: str, model: str):  # noqa: ANN201
    """Added by ``nlp.pipeline.build`` when ``nlp_model`` names an installed model that
    suits the pipeline's language."""
    trained = load_trained(model)

    def model_entities(doc: Doc) -> Doc:
        found = entities(trained, text_of(doc)) if trained else []
        doc._.model_entities = found
        _spans(doc, "model_entities", found, "label")
        return doc

    return model_entities


@Language.factory("labourwatch_organizations", default_config=DEFAULTS,
                  requires=["doc._.outlet_names", "doc._.companies"],
                  assigns=["doc._.organizations", "doc._.people"])
def make_organizations(nlp: Language, name: str, config_dir: str):  # noqa: ANN201
    finder = load_organizations(config_dir or None)

    def organizations(doc: Doc) -> Doc:
        masked = [*(doc._.outlet_names or []),
                  *((c["start"], c["end"]) for c in doc._.companies or [])]
        text = text_of(doc)
        found = finder.find(text, masked)
        # a trained model's people and organisations (when one is configured) as extra
        # candidates; where one overlaps an outlet, a company or a name of ours, ours wins
        taken = [*masked, *((n.start, n.end) for n in found)]
        for ent in doc._.model_entities or []:
            kind = finder.model_labels.get(ent["label"])
            if kind and not any(s < ent["end"] and ent["start"] < e for s, e in taken):
                found.append(Named(kind, ent["text"], ent["start"], ent["end"]))
        found.sort(key=lambda n: n.start)
        doc._.organizations = [{"name": n.name, "text": text[n.start:n.end],
                                "start": n.start, "end": n.end}
                               for n in found if n.kind == "organization"]
        doc._.people = [{"name": n.name, "text": text[n.start:n.end], "start": n.start,
                         "end": n.end} for n in found if n.kind == "person"]
        return doc

    return organizations


@Language.factory("labourwatch_wages", default_config=DEFAULTS,
                  requires=["doc._.places", "doc._.companies", "doc._.year"],
                  assigns=["doc._.wages", "doc.spans"])
def make_wages(nlp: Language, name: str, config_dir: str):  # noqa: ANN201
    finder = load_wage_finder(config_dir or None)

    def wages(doc: Doc) -> Doc:
        places = [p for p in doc._.places or [] if p["country_code"]]
        countries = [p["country_code"] for p in places]
        found = finder.find(text_of(doc), list(dict.fromkeys(countries)), doc._.year,
                            [(p["start"], p["country_code"]) for p in places],
                            [(c["start"], c["end"]) for c in doc._.companies or []])
        doc._.wages = [w.as_json() for w in found]
        _spans(doc, "wages", doc._.wages, "currency")
        return doc

    return wages


@Language.factory("labourwatch_claims", default_config=DEFAULTS,
                  requires=["doc._.wages", "doc._.companies", "doc._.places",
                            "doc._.attributions"],
                  assigns=["doc._.claims"])
def make_claims(nlp: Language, name: str, config_dir: str):  # noqa: ANN201
    def claims(doc: Doc) -> Doc:
        text = text_of(doc)
        counts = worker_counts(text) + hours(text)
        records = []
        for start, end in sentence_bounds(text):
            sentence_text = text[start:end]

            def inside(items: list[dict] | None, start: int = start, end: int = end
                       ) -> list[dict]:
                return [i for i in items or [] if start <= i["start"] < end]

            wages, workers = inside(doc._.wages), inside(counts)
            if not (wages or workers):
                continue
            for wage in wages:
                wage["sentence"] = sentence_text
            numbers = [{"kind": "wage", "value": w["amount"], "value_max": w["amount_max"],
                        "unit": f"{w['currency']}/{w['period'] or '-'}",
                        "hourly_usd": w["hourly_usd"], "text": w["text"]} for w in wages]
            numbers += [{k: v for k, v in c.items() if k not in ("start", "end")}
                        for c in workers]
            entities = [c["id"] for c in inside(doc._.companies)] + \
                [p["id"] for p in inside(doc._.places)]
            records.append({"text": sentence_text, "start": start, "end": end,
                            "numbers": numbers, "entities": list(dict.fromkeys(entities)),
                            "attributed_to": list(dict.fromkeys(
                                a["source"] for a in inside(doc._.attributions)))})
        doc._.claims = records
        return doc

    return claims
