"""The JSON API in-process (as Datasette tests its app) against a real node and a small
indexed corpus in both languages."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from tests.conftest import run_cli
from tests.site import pages
from web.app import create_app


@pytest.fixture
def client(settings, es, tmp_path):  # noqa: ANN001, ANN201
    folder = tmp_path / "site"
    folder.mkdir()
    for article in pages.load_articles():
        (folder / f"{article.slug}.html").write_text(
            pages.page("https://fixture.example", article), encoding="utf-8")
    done = run_cli(settings, "ingest", str(folder))
    assert done.returncode == 0, done.stderr
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_search_facets_coverage_and_filters(client: TestClient) -> None:
    found = client.get("/api/search", params={"q": "Nairobi", "country": "KE"}).json()
    assert found["total"] >= 2 and all(hit["url"] for hit in found["hits"])
    assert {"outlet", "language", "company", "country"} <= set(found["facets"])
    assert found["coverage"] and all(c["stories"] >= 1 for c in found["coverage"])
    chinese = client.get("/api/search", params={"q": "数据标注"}).json()
    assert chinese["hits"] and all(hit["language"] == "zh" for hit in chinese["hits"])
    cheap = client.get("/api/search", params={"q": "*", "wage_max": 2}).json()
    assert cheap["hits"] and all(
        any(w["hourly_usd"] is not None and w["hourly_usd"] <= 2 for w in hit["wages"])
        for hit in cheap["hits"])
    assert client.get("/api/facets", params={"q": "Kenya"}).json()["country"]
    assert client.get("/api/coverage").json()
    # nonsense never breaks the API
    assert client.get("/api/search", params={"q": '"((( OR -'}).status_code == 200
    assert client.get("/api/search", params={"limit": 0}).status_code == 422
    assert client.get("/api/search", params={"since": "yesterday"}).status_code == 422


def test_article_with_extractions_versions_copies_and_capture(client: TestClient) -> None:
    hit = client.get("/api/search", params={"q": "Kenyan workers paid under"}).json()["hits"][0]
    article = client.get(f"/api/articles/{hit['id']}").json()
    assert article["text"] and article["versions"][0]["archived"]["warc"].endswith(".warc.gz")
    wages = article["extractions"]["wages"]
    assert any(w["text"] == "$1.32 and $2 an hour" for w in wages)
    for wage in wages:
        assert article["text"][wage["start"]:wage["end"]] == wage["text"]
    # a syndicated story: its article page lists the other copy of its cluster
    reprinted = [h for h in client.get("/api/search", params={"q": "Remotasks"}).json()["hits"]
                 if h["copies"] > 1]
    assert reprinted
    story = client.get(f"/api/articles/{reprinted[0]['id']}").json()
    assert [c["id"] for c in story["copies"]] and story["id"] not in \
        [c["id"] for c in story["copies"]]
    by_url = client.get(f"/api/articles/{story['url']}").json()
    assert by_url["id"] == story["id"]
    assert client.get("/api/articles/nothing-here").status_code == 404


def test_wages_and_streamed_exports(client: TestClient) -> None:
    wages = client.get("/api/wages", params={"q": "Nairobi"}).json()
    assert wages and all(w["sentence"] and w["warc"] for w in wages)
    figure = next(w for w in wages if w["text"] == "$1.32 and $2 an hour")
    assert figure["countries"] == ["KE"] and figure["places"] == ["Nairobi"]
    assert figure["companies"] == ["openai"]  # named in its sentence
    chosen = client.get("/api/wages", params={"q": "*", "country": "KE", "wage_max": 2}).json()
    assert chosen and len(chosen) < len(client.get("/api/wages").json())
    assert all("KE" in w["countries"] and w["hourly_usd"] <= 2 for w in chosen)
    response = client.get("/api/export/wages", params={"format": "csv", "q": "*"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and {"amount", "currency", "sentence", "warc"} <= set(rows[0])
    jsonl = client.get("/api/export/articles", params={"format": "jsonl"}).text.splitlines()
    assert jsonl and all(json.loads(line)["id"] for line in jsonl)
    assert client.get("/api/export/salaries").status_code == 404
    health = {row["source"]: row for row in client.get("/api/sources").json()}
    assert health["time"]["state"] == "silent" and health["time"]["name"] == "TIME"


def test_state_changes_need_the_token(settings, es) -> None:  # noqa: ANN001
    with TestClient(create_app(settings)) as open_client:
        assert open_client.post("/api/crawl", json={"sources": ["time"]}).status_code == 403
    settings.api_token = "s3cret"
    with TestClient(create_app(settings)) as guarded:
        assert guarded.post("/api/crawl", json={"sources": ["time"]}).status_code == 401
        wrong = guarded.post("/api/crawl", json={"sources": ["time"]},
                             headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        unknown = guarded.post("/api/crawl", json={"sources": ["http://evil.example/"]},
                               headers={"Authorization": "Bearer s3cret"})
        assert unknown.status_code == 422  # only configured sources, never a user's URL
    spec = TestClient(create_app(settings)).get("/openapi.json").json()
    assert {"/api/search", "/api/articles/{key}", "/api/wages", "/api/export/{kind}",
            "/api/crawl"} <= set(spec["paths"])
