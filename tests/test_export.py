"""Exports of every match: articles, wages and claims from a real node and the store, paged
with a point in time, each figure with its sentence and archived capture."""

from __future__ import annotations

import csv
import io
import json

from tests.conftest import run_cli
from tests.site import pages


def _ingest_fixture_articles(settings, tmp_path) -> list[pages.Article]:  # noqa: ANN001
    articles = pages.load_articles()
    folder = tmp_path / "site"
    folder.mkdir()
    for article in articles:
        (folder / f"{article.slug}.html").write_text(
            pages.page("https://fixture.example", article), encoding="utf-8")
    done = run_cli(settings, "ingest", str(folder))
    assert done.returncode == 0, done.stderr
    return articles


def test_export_wages_claims_and_articles_of_every_match(settings, es, tmp_path) -> None:  # noqa: ANN001
    articles = _ingest_fixture_articles(settings, tmp_path)
    # pages of two documents: the point-in-time paging has to carry the export to the end
    wages = run_cli(settings, "export", "wages", "*", "--format", "csv",
                    LABOURWATCH_EXPORT_BATCH="2")
    assert wages.returncode == 0, wages.stderr
    rows = list(csv.DictReader(io.StringIO(wages.stdout)))
    ken = [r for r in rows if r["text"] == "$1.32 and $2 an hour"]
    assert ken, rows[:3]
    assert ken[0]["currency"] == "USD" and ken[0]["period"] == "hour"
    assert float(ken[0]["hourly_usd"]) == 1.32 and float(ken[0]["hourly_usd_max"]) == 2.0
    assert "$1.32 and $2 an hour" in ken[0]["sentence"]
    assert ken[0]["warc"].endswith(".warc.gz") and ken[0]["payload_digest"].startswith("sha1:")
    assert {r["currency"] for r in rows} >= {"USD", "CNY"}  # both languages' pay
    # "three contracts worth about $200,000" is not pay; 年薪超过 20 万元 is
    assert not [r for r in rows if r["currency"] == "USD" and float(r["amount"]) == 200000]
    assert [r for r in rows if r["currency"] == "CNY" and float(r["amount"]) == 200000
            and r["period"] == "year" and r["qualifier"] == "more_than"]

    listed = run_cli(settings, "export", "articles", "*", "--format", "jsonl", "--off-topic",
                     LABOURWATCH_EXPORT_BATCH="3")
    assert listed.returncode == 0, listed.stderr
    exported = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(exported) == len({a.slug for a in articles})  # every article, copies included
    assert len({row["id"] for row in exported}) == len(exported)
    assert "matching articles" in listed.stderr

    out = tmp_path / "kenya-claims.jsonl"
    claims = run_cli(settings, "export", "claims", "Nairobi", "--format", "jsonl",
                     "--country", "KE", "--out", str(out))
    assert claims.returncode == 0, claims.stderr
    claim_rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    kenyan = run_cli(settings, "export", "articles", "Nairobi", "--format", "jsonl",
                     "--country", "KE")
    matched = {json.loads(line)["id"]: json.loads(line) for line in kenyan.stdout.splitlines()}
    assert matched and all("KE" in a["countries"] for a in matched.values())
    assert claim_rows and {r["article_id"] for r in claim_rows} <= set(matched)
    assert any(n["kind"] == "wage" for r in claim_rows for n in r["numbers"])
    assert all(r["warc"] and r["text"] for r in claim_rows)

    bad = run_cli(settings, "export", "salaries")
    assert bad.returncode == 2 and "articles, wages, claims" in bad.stderr
