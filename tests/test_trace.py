"""Claim tracing end to end: pages ingested through the real pipeline into a real node, then
``labourwatch trace`` on a claim (in either language) and on an article."""

from __future__ import annotations

import json

import pytest

from bench.trace_eval import page
from tests.conftest import run_cli

ORIGINAL = "https://time.com/6247678/openai-chatgpt-kenya-workers/"
ARTICLES = [
    {"url": ORIGINAL, "language": "en", "published": "2023-01-18T07:00:00Z",
     "title": "Exclusive: OpenAI Used Kenyan Workers on Less Than $2 Per Hour",
     "paragraphs": [
         "ChatGPT was hailed as one of 2022's most impressive technological innovations "
         "upon its release last November, and it gained more than a million users in a week.",
         "To make it less toxic, OpenAI sent tens of thousands of snippets of text to an "
         "outsourcing firm in Kenya, beginning in November 2021.",
         "The data labelers employed by Sama on behalf of OpenAI in Nairobi were paid a "
         "take-home wage of between around $1.32 and $2 per hour depending on seniority "
         "and performance.",
         "Sama markets itself as an ethical AI company and says it has helped lift more "
         "than 50,000 people out of poverty."]},
    {"url": "https://www.nbcnews.com/tech/kenya-chatgpt-workers-rcna66000", "language": "en",
     "published": "2023-01-20T15:00:00Z",
     "title": "Kenyan workers who trained ChatGPT describe trauma",
     "paragraphs": [
         "Workers who helped make the chatbot safer say the work left lasting scars, and "
         "several have since left the industry.",
         "The Sama workers in Nairobi were paid between $1.32 and $2 an hour, according to "
         "TIME, to read and label graphic descriptions of abuse.",
         "OpenAI said in a statement that it takes the wellbeing of its contractors "
         "seriously and that Sama was responsible for managing pay."]},
    {"url": "https://36kr.com/p/2100000000000001", "language": "zh",
     "published": "2023-01-21T02:00:00Z",
     "title": "ChatGPT背后的肯尼亚标注员",
     "paragraphs": [
         "ChatGPT 上线后迅速走红，但它背后的数据标注工作鲜为人知，许多标注员来自东非。",
         "据《时代》周刊报道，Sama 在内罗毕为 OpenAI 雇用的数据标注员时薪只有 1.32 至 2 美元，"
         "他们需要阅读并标注大量暴力和色情文本。",
         "Sama 表示，公司为员工提供了心理咨询服务，并称其薪酬高于当地最低工资标准。"]},
    {"url": "https://www.example-wire.com/2023/01/22/kenya-ai-labellers", "language": "en",
     "published": "2023-01-22T09:00:00Z",
     "title": "AI labellers in Kenya earned $1.50 an hour, union says",
     "paragraphs": [
         "A union organising content moderators in Nairobi says the real figure was "
         "different from what has been reported about the ChatGPT project.",
         "The Sama data labellers in Nairobi earned $1.50 an hour on the OpenAI contract, "
         "the union said on Sunday, disputing the company's account.",
         "Sama did not respond to a request for comment on the union's figures."]},
    {"url": "https://www.reuters.com/technology/sama-funding-2023-01-25/", "language": "en",
     "published": "2023-01-25T10:00:00Z",
     "title": "Sama raises funding for its Nairobi expansion",
     "paragraphs": [
         "Sama, the data annotation company with large offices in Nairobi, said on "
         "Wednesday it had raised $70 million from investors to expand its operations.",
         "The company employs about 3,000 people in Kenya and Uganda, it said, and plans "
         "to hire more annotators this year.",
         "Investors included several impact funds focused on job creation in East Africa."]},
]


@pytest.fixture
def traced(settings, tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for n, article in enumerate(ARTICLES):  # each page names its URL (rel=canonical)
        (folder / f"{n}.html").write_text(page(article), encoding="utf-8")
    done = run_cli(settings, "ingest", str(folder))
    assert done.returncode == 0, done.stderr
    return settings


def relations(result: dict) -> dict[str, str]:
    return {item["url"]: item["relation"] for item in result["evidence"]}


def test_a_claim_is_traced_to_its_origin_across_languages(traced) -> None:
    done = run_cli(traced, "trace", "Kenyan workers labelling for ChatGPT were paid less "
                   "than $2 an hour", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    found = relations(result)
    assert found[ORIGINAL] == "origin"
    assert found["https://www.nbcnews.com/tech/kenya-chatgpt-workers-rcna66000"] == "cites"
    assert found["https://36kr.com/p/2100000000000001"] == "cites"
    assert "https://www.reuters.com/technology/sama-funding-2023-01-25/" not in found
    # evidence in time order, each with its sentence and the archived capture
    dates = [item["published_at"] for item in result["evidence"]]
    assert dates == sorted(dates)
    for item in result["evidence"]:
        assert item["sentence"] and item["archived"]["warc"].endswith(".warc.gz")
        assert item["archived"]["digest"].startswith("sha1:")
    cites = next(i for i in result["evidence"] if i["url"].startswith("https://www.nbc"))
    assert cites["cites"] == ORIGINAL  # the credited outlet's own article, which we hold

    # the same claim pasted in Chinese finds the same chain
    chinese = run_cli(traced, "trace", "肯尼亚数据标注员的时薪只有 1.32 至 2 美元", "--json")
    assert chinese.returncode == 0, chinese.stderr
    assert relations(json.loads(chinese.stdout))[ORIGINAL] == "origin"


def test_a_different_figure_is_a_conflict_and_articles_trace_each_claim(traced) -> None:
    done = run_cli(traced, "trace", "Sama's labellers in Nairobi were paid $2 an hour",
                   "--json")
    found = relations(json.loads(done.stdout))
    assert found["https://www.example-wire.com/2023/01/22/kenya-ai-labellers"] == "conflicts"
    article = run_cli(traced, "trace", "--article", ORIGINAL, "--json")
    assert article.returncode == 0, article.stderr
    claims = json.loads(article.stdout)["claims"]
    wage = next(c for c in claims if "$1.32" in c["claim"])
    assert relations(wage)[ORIGINAL] == "origin"
    table = run_cli(traced, "trace", "--article", ORIGINAL)
    assert table.returncode == 0 and "origin" in table.stdout
    missing = run_cli(traced, "trace", "--article", "https://nowhere.example/x")
    assert missing.returncode == 1 and "no claims stored" in missing.stderr


def test_the_trace_api_and_page(traced) -> None:
    from fastapi.testclient import TestClient

    from web.app import create_app

    with TestClient(create_app(traced)) as client:
        answer = client.get("/api/trace", params={"claim": "Sama paid Kenyan labelers "
                                                           "$1.32 to $2 an hour"})
        assert answer.status_code == 200
        assert relations(answer.json())[ORIGINAL] == "origin"
        assert client.get("/api/trace", params={"claim": ""}).status_code == 422
        by_article = client.get(f"/api/trace/article/{ORIGINAL}").json()
        assert by_article["claims"] and by_article["url"] == ORIGINAL
        assert client.get("/api/trace/article/nothing").status_code == 404
        page = client.get("/trace", params={"claim": "肯尼亚标注员时薪只有1.32至2美元"})
        assert page.status_code == 200
        html = page.text
        assert '<svg class="timeline"' in html and 'class="origin"' in html
        assert 'class="conflicts"' not in html or "1.50" in html
        assert "<mark" in html and ".warc.gz" in html  # the figure marked, the capture named
        assert client.get("/trace").status_code == 200  # the empty form
