"""The NLP stage as a researcher meets it: the figures, companies, places and credits in a
sentence, with offsets that point back into the text, in English and Chinese."""

from __future__ import annotations

import json

import pytest

from nlp.numbers import parse_chinese, parse_chinese_range, parse_digits, parse_words
from nlp.pipeline import analyse
from tests.conftest import ROOT, run_cli


def _wages(text: str, lang: str = "auto", year: int | None = 2023) -> list[tuple]:
    return [(w["amount"], w["amount_max"], w["currency"], w["period"], w["qualifier"])
            for w in analyse(text, lang, year)["wages"]]


@pytest.mark.parametrize(("written", "value"), [
    ("26,600", 26600), ("1.32", 1.32), ("1.5 million", 1_500_000), ("15k", 15000)])
def test_numbers_as_news_writes_them(written: str, value: float) -> None:
    assert parse_digits(written) == value


def test_number_words_and_chinese_numerals() -> None:
    assert parse_words("ninety") == 90 and parse_words("twenty-five") == 25
    assert [parse_chinese(t) for t in ("两千", "三千五", "2.2万", "2万8千", "一百零五")] == \
        [2000, 3500, 22000, 28000, 105]
    assert parse_chinese_range("三四千") == (3000, 4000, "between")
    assert parse_chinese_range("十几") == (10, None, "more_than")


def test_english_wage_range_with_period_and_credit() -> None:
    text = "Workers in Nairobi were paid between $1.32 and $2 an hour, according to TIME."
    result = analyse(text, "en", 2022)
    [wage] = result["wages"]
    assert (wage["amount"], wage["amount_max"], wage["currency"], wage["period"],
            wage["qualifier"]) == (1.32, 2.0, "USD", "hour", "between")
    assert (wage["hourly_usd"], wage["hourly_usd_max"]) == (1.32, 2.0)
    assert text[wage["start"]:wage["end"]] == wage["text"] == "$1.32 and $2 an hour"
    assert wage["sentence"] == text
    assert [p["id"] for p in result["places"]] == ["geonames:184745"]
    assert result["places"][0]["country_code"] == "KE"
    assert [(a["source"], a["text"]) for a in result["attributions"]] == \
        [("time", "according to TIME")]
    [claim] = result["claims"]
    assert claim["attributed_to"] == ["time"] and claim["numbers"][0]["hourly_usd"] == 1.32


def test_local_currency_converted_by_the_articles_year_with_its_basis() -> None:
    text = "Sama paid Kenyan moderators about 26,600 shillings a month, Semafor reported."
    [wage] = analyse(text, "en", 2023)["wages"]
    assert (wage["amount"], wage["currency"], wage["period"], wage["qualifier"]) == \
        (26600, "KES", "month", "about")
    assert 1.0 < wage["hourly_usd"] < 1.2  # 26,600 / ~139.9 KES per USD / 173.3 h
    assert "KES/USD (2023 average)" in wage["basis"] and "40 h week" in wage["basis"]
    ugandan = analyse("In Kampala, Uganda, taskers earn 8,000 shillings a day.", "en", 2023)
    assert ugandan["wages"][0]["currency"] == "UGX"  # the place decides which shilling


def test_money_that_is_not_pay_is_not_a_wage() -> None:
    assert _wages("OpenAI raised a $10 billion investment, and Sama won three contracts "
                  "worth $200,000.", "en") == []
    assert _wages("该公司获得数百万美元的合同，估值达 140 亿美元。", "zh") == []
    mixed = "Labellers earned $2 an hour while the company raised $1 billion in funding."
    assert _wages(mixed, "en") == [(2.0, None, "USD", "hour", None)]


def test_amount_with_no_currency_takes_the_currency_of_the_country_nearby() -> None:
    kenya = "'I make 18,000 a month and I pay 7,000 in rent,' said a moderator in Nairobi."
    assert _wages(kenya, "en") == [(18000.0, None, "KES", "month", None)]
    manila = ("Ana, a moderator in Davao in the Philippines, earns 16,000 a month, less than "
              "the regional minimum wage of 18,000. Her rent is 4,500.")
    assert _wages(manila, "en") == [(16000.0, None, "PHP", "month", None),
                                    (18000.0, None, "PHP", "month", None)]
    assert _wages("Workers in Nairobi label 1,000 images a day.", "en") == []  # not pay
    assert _wages("一位肯尼亚审核员说，他每月挣两万左右。", "zh") == \
        [(20000.0, None, "KES", "month", "about")]


def test_vendor_rates_and_spending_are_not_wages_but_set_the_unit_of_pay() -> None:
    text = "The lab pays its vendor about $25 an hour for each rater, who in turn gets about $12."
    assert _wages(text, "en") == [(12.0, None, "USD", "hour", "about")]
    assert _wages("OpenAI paid Sama $12.50 an hour per worker.", "en") == []
    assert _wages("Some workers began paying $15 a month for a VPN in Kenya.", "en") == []
    assert _wages("标注公司向客户报价每张图 0.8 元，而支付给标注员的只有 0.3 元。", "zh") == \
        [(0.3, None, "CNY", "task", None)]


def test_piece_named_earlier_in_the_clause_makes_pay_per_task() -> None:
    assert _wages("Each image takes about a minute and pays $0.02.", "en") == \
        [(0.02, None, "USD", "task", None)]
    assert _wages("每标注一小时视频，标注员可获得 40 元报酬。", "zh") == \
        [(40.0, None, "CNY", "task", None)]
    assert _wages("The app bundle has 40 apps from just $1 each.", "en") == []  # a price
    assert _wages("审核员每周有90分钟的“心理健康时间”。", "zh") == []  # minutes, not 分


def test_per_task_pay_has_no_hourly_figure() -> None:
    [wage] = analyse("Annotators were paid 3 cents per image.", "en", 2023)["wages"]
    assert (wage["amount"], wage["period"], wage["hourly_usd"]) == (0.03, "task", None)
    assert wage["basis"] == "per-task pay has no hourly figure"


def test_chinese_wages_companies_places_and_credit() -> None:
    text = ("据《时代》周刊报道，肯尼亚工人的时薪只有 1.5 美元。"
            "河北保定的标注员月薪三千到五千元，字节跳动是客户之一。")
    result = analyse(text, "zh", 2023)
    assert _wages(text, "zh") == [(1.5, None, "USD", "hour", None),
                                  (3000, 5000, "CNY", "month", "between")]
    assert {p["id"] for p in result["places"]} >= {"geonames:192950", "iso:CN-HE",
                                                    "geonames:1816971"}
    assert [c["id"] for c in result["companies"]] == ["bytedance"]
    assert [a["source"] for a in result["attributions"]] == ["time"]
    for field in ("wages", "places", "companies", "attributions"):
        for item in result[field]:
            assert text[item["start"]:item["end"]] == item["text"]


def test_traditional_chinese_matched_as_written() -> None:
    text = "據《時代》雜誌報導，肯亞的資料標註員時薪不到2美元。"
    result = analyse(text, "zh", 2023)
    assert _wages(text, "zh") == [(2.0, None, "USD", "hour", "less_than")]
    assert [p["id"] for p in result["places"]] == ["geonames:192950"]
    assert [a["source"] for a in result["attributions"]] == ["time"]


def test_companies_known_and_unknown_but_not_products() -> None:
    text = ("OpenAI used ChatGPT data labelled by Sama, and Kipeto Data Ltd, a Nairobi-based "
            "firm, worked for 谷歌.")
    ids = [c["id"] for c in analyse(text, "en")["companies"]]
    assert ids == ["openai", "sama", "new:Kipeto Data Ltd", "google"]


def test_extract_command_prints_the_design_shape(settings, tmp_path) -> None:  # noqa: ANN001
    page = tmp_path / "story.txt"
    page.write_text("Moderators in Manila earned ₱500 a day, Rest of World reported.",
                    encoding="utf-8")
    done = run_cli(settings, "extract", str(page), "--json", "--year", "2023")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {"language", "wages", "companies", "places", "organizations",
                           "people", "attributions", "claims"}
    assert result["language"] == "en"
    assert result["wages"][0]["currency"] == "PHP" and result["wages"][0]["period"] == "day"
    assert result["attributions"][0]["source"] == "restofworld"
    assert result["places"][0]["name"] == "Manila"
    missing = run_cli(settings, "extract", str(tmp_path / "absent.txt"))
    assert missing.returncode == 1 and "cannot read" in missing.stderr


def test_ingested_article_carries_its_extractions_into_the_store_and_index(
        settings, es, tmp_path) -> None:  # noqa: ANN001
    from index.search import SearchFilters, search

    body = ("<p>Content moderators in Nairobi, Kenya, were paid about 26,600 shillings a month "
            "by Sama, according to TIME. The contract was worth $200,000.</p>" * 1)
    page = tmp_path / "story.html"
    page.write_text("<html lang='en'><head><title>Moderators' pay</title>"
                    "<meta property='article:published_time' content='2023-02-14'></head>"
                    f"<body><article><h1>Moderators' pay</h1>{body}<p>{'More detail. ' * 20}"
                    "</p></article></body></html>", encoding="utf-8")
    done = run_cli(settings, "ingest", str(page), "--url", "https://example.org/pay")
    assert done.returncode == 0, done.stderr
    result = search(es, settings, "moderators", SearchFilters(wage_max=2.0, countries=["KE"]))
    [hit] = result["hits"]
    assert hit["companies"] == ["sama"] and "geonames:184745" in hit["places"]
    [wage] = hit["wages"]
    assert (wage["currency"], wage["period"]) == ("KES", "month")
    assert 1.0 < wage["hourly_usd"] < 1.3  # 2023 rates
    # the same figure in the store, with its sentence and offsets into the stored text
    from pipeline.models import ArticleVersion, Extraction
    from pipeline.store import Store

    with Store.from_settings(settings).session() as session:
        extraction = session.query(Extraction).one()
        text = session.get(ArticleVersion, extraction.version_id).text
        stored = extraction.data["wages"][0]
        assert text[stored["start"]:stored["end"]] == stored["text"]
        assert stored["text"] in stored["sentence"]


def test_a_users_config_dir_extends_the_gazetteers(settings, tmp_path) -> None:  # noqa: ANN001
    own = tmp_path / "config"
    (own / "gazetteer").mkdir(parents=True)
    (own / "gazetteer" / "companies.yaml").write_text(
        "- {id: kipeto-data, name: Kipeto Data, kind: vendor, names: [Kipeto Data]}\n",
        encoding="utf-8")
    story = tmp_path / "story.txt"
    story.write_text("Kipeto Data paid labellers in Kisumu KSh 500 a day.", encoding="utf-8")
    done = run_cli(settings, "extract", str(story), "--json", LABOURWATCH_CONFIG=str(own))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [c["id"] for c in result["companies"]] == ["kipeto-data"]  # the user's file
    assert result["places"] and result["wages"][0]["currency"] == "KES"  # shipped data still


def test_gazetteer_cache_follows_edits_and_survives_damage(tmp_path, monkeypatch,
                                                           caplog) -> None:
    """The built gazetteer is cached on disk between processes: a place added to the user's
    gazetteer file is found at the next start (never a stale cache), and a damaged cache file
    is built again, not an error."""
    from nlp.places import load_gazetteer

    monkeypatch.setenv("LABOURWATCH_CACHE_DIR", str(tmp_path / "cache"))
    config = tmp_path / "config"
    (config / "gazetteer").mkdir(parents=True)
    shipped = (ROOT / "config" / "gazetteer" / "places.yaml").read_text(encoding="utf-8")
    text = "Annotators in Quillowby Heights said pay fell."

    def names(extra: str) -> list[str]:
        (config / "gazetteer" / "places.yaml").write_text(shipped + extra, encoding="utf-8")
        load_gazetteer.cache_clear()  # a new process
        return [place.name for _hit, place in load_gazetteer(str(config)).find(text)]

    place = ('\n- {id: "area:quillowby", name: "%s", kind: area, country: KE, '
             "lat: -1.3, lon: 36.8}\n")
    assert names("") == []
    assert names(place % "Quillowby Heights") == ["Quillowby Heights"]
    assert names(place % "Quillowby") == ["Quillowby"]  # edited: the cache is not reused
    built = list((tmp_path / "cache").glob("places-*.pickle"))
    assert len(built) == 3
    newest = max(built, key=lambda p: p.stat().st_mtime)
    newest.write_bytes(b"not a pickle")
    load_gazetteer.cache_clear()
    assert [p.name for _h, p in load_gazetteer(str(config)).find(text)] == ["Quillowby"]
    assert "unreadable" in caplog.text
