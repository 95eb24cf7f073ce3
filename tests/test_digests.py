"""Weekly digests end to end: a small bilingual corpus indexed on a real node, the real
``labourwatch digest`` command, and a real SMTP server (aiosmtpd) on loopback that receives
and parses what a subscriber would get."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import html
import ssl
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from digests.run import due_weeks
from digests.select import select_digest
from digests.subscriptions import find, load_subscriptions
from digests.weeks import Week
from index.client import make_client
from pipeline.models import DigestRun
from pipeline.store import Store
from tests.conftest import free_port, run_cli
from tests.site import pages

WEEK = "2026-W46"  # Monday 9 to Sunday 15 November 2026
SUBSCRIPTIONS = """\
subscriptions:
- id: weekly
  name: "AI data workers weekly"
  query: "*"
  deliver: {email: [team@advocacy.example, 研究@labour.example], atom: true, dir: true}
- id: kenya
  name: "Kenya only"
  query: "workers"
  filters: {country: KE}
  deliver: {email: [], atom: false, dir: true}
"""
# slug -> when the test corpus publishes it (the fixture articles, moved into known weeks)
PLACED = {
    "kenyan-workers-paid-under-two-dollars-to-make-chatgpt-safer": "2026-11-10T09:00:00Z",
    "henan-county-data-annotation-day-wages": "2026-11-12T03:00:00Z",
    "guizhou-crowdsourced-annotators-paid-by-the-item": "2026-11-15T22:30:00Z",  # Sunday night
    "sacked-facebook-moderators-in-nairobi-take-meta-and-sama-to-court": "2026-11-05T12:00:00Z",
    "remotasks-abruptly-exits-kenya-leaving-annotators-unpaid": "2026-11-16T06:00:00Z",
}
REPRINTED = "kenyan-workers-paid-under-two-dollars-to-make-chatgpt-safer"


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no system CA signed, and its key (Debian's openssl)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class TlsInbox(Inbox):
    """Accepts mail only after STARTTLS and a login, and notes both."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[tuple[bool, bytes | None]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        self.sessions.append((session.ssl is not None, session.auth_data.login
                              if isinstance(session.auth_data, LoginPassword) else None))
        return await super().handle_DATA(server, session, envelope)


def _password(server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


@pytest.fixture
def tls_smtp(tmp_path):
    """An SMTP server on loopback that requires STARTTLS (self-signed certificate) and AUTH."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = TlsInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, auth_require_tls=True,
                            authenticator=_password)
    controller.start()
    try:
        yield inbox, controller.port, cert
    finally:
        controller.stop()


@pytest.fixture
def corpus(settings, tmp_path):
    """The week's stories in both languages, a syndicated reprint, and stories from the weeks
    either side; subscriptions in the user's config dir."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "subscriptions.yaml").write_text(SUBSCRIPTIONS, encoding="utf-8")
    settings = dataclasses.replace(settings, config_dir=config)
    articles = {a.slug: a for a in pages.load_articles()}
    for base, slugs in (("https://fixture.example", PLACED), ("https://reprint.example",
                                                              [REPRINTED])):
        folder = tmp_path / base.split("//")[1]
        folder.mkdir()
        for slug in slugs:
            when = datetime.fromisoformat(PLACED[slug].replace("Z", "+00:00"))
            article = dataclasses.replace(articles[slug], published=when, updated=None)
            (folder / f"{slug}.html").write_text(pages.page(base, article), encoding="utf-8")
        done = run_cli(settings, "ingest", str(folder))
        assert done.returncode == 0, done.stderr
    return settings, articles


def smtp_env(port: int) -> dict[str, str]:
    return {"LABOURWATCH_SMTP_HOST": "127.0.0.1", "LABOURWATCH_SMTP_PORT": str(port),
            "LABOURWATCH_SMTP_STARTTLS": "false",
            "LABOURWATCH_SMTP_FROM": "labourwatch <digests@labourwatch.example>"}


def parts(message: email.message.EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def test_weekly_digest_is_emailed_once_with_both_parts(corpus, smtp) -> None:
    settings, articles = corpus
    inbox, port = smtp
    done = run_cli(settings, "digest", "weekly", "--week", WEEK, "--send", **smtp_env(port))
    assert done.returncode == 0, done.stderr
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["Subject"].startswith("AI data workers weekly · 2026-W46 · 3 stories")
    assert mail["From"] == "labourwatch <digests@labourwatch.example>"
    assert sorted(inbox.recipients[0]) == ["team@advocacy.example", "研究@labour.example"]
    assert mail.get_content_type() == "multipart/alternative" and mail["Message-ID"]
    body = parts(mail)
    assert set(body) == {"text/plain", "text/html"}
    title = {slug: articles[slug].title for slug in PLACED}
    for text in body.values():
        # the week's stories, Chinese as written, the Sunday-night story included
        for slug in ("henan-county-data-annotation-day-wages",
                     "guizhou-crowdsourced-annotators-paid-by-the-item"):
            assert title[slug] in text
        # a syndicated story once, with the outlets that carried it
        assert text.count(title[REPRINTED]) == 1
        assert "carried by 2 outlets" in text
        # nothing from the week before or after
        assert title["remotasks-abruptly-exits-kenya-leaving-annotators-unpaid"] not in text
        assert title["sacked-facebook-moderators-in-nairobi-take-meta-and-sama-to-court"] \
            not in text
        # the wage table: the figure as written and in hourly USD
        assert "$1.32 and $2 an hour" in text and "$1.32–$2.00/h" in text
    html = body["text/html"]
    assert 'style="' in html and "<style" not in html  # inline CSS only, for mail clients
    assert 'lang="zh"' in html
    assert "Sun 15 Nov 2026" in body["text/plain"]

    # a second run sends nothing; --force sends again
    again = run_cli(settings, "digest", "weekly", "--week", WEEK, "--send", **smtp_env(port))
    assert again.returncode == 0 and "already sent" in again.stdout
    assert len(inbox.messages) == 1
    forced = run_cli(settings, "digest", "weekly", "--week", WEEK, "--send", "--force",
                     **smtp_env(port))
    assert forced.returncode == 0, forced.stderr
    assert len(inbox.messages) == 2

    # files and the Atom feed in the data dir
    folder = settings.data_dir / "digests" / "weekly"
    assert title[REPRINTED] in (folder / f"{WEEK}.md").read_text(encoding="utf-8")
    assert (folder / f"{WEEK}.html").read_text(encoding="utf-8") == html.replace("\r\n", "\n")
    feed = feedparser.parse(str(folder / "atom.xml"))
    assert not feed.bozo and [e.title for e in feed.entries] == [mail["Subject"]]
    assert title["henan-county-data-annotation-day-wages"] in feed.entries[0].content[0].value


def test_starttls_checks_the_certificate_and_logs_in(corpus, tls_smtp) -> None:
    settings, _ = corpus
    inbox, port, cert = tls_smtp
    env = {**smtp_env(port), "LABOURWATCH_SMTP_STARTTLS": "true",
           "LABOURWATCH_SMTP_USER": "digests", "LABOURWATCH_SMTP_PASSWORD": "s3cret"}
    # a certificate no trusted CA signed: refused, recorded, nothing sent
    untrusted = run_cli(settings, "digest", "weekly", "--week", WEEK, "--send", **env)
    assert untrusted.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    assert inbox.messages == []
    # trusted through smtp_ca_file: sent over TLS, logged in
    sent = run_cli(settings, "digest", "weekly", "--week", WEEK, "--send",
                   **env, LABOURWATCH_SMTP_CA_FILE=str(cert))
    assert sent.returncode == 0, sent.stderr
    assert len(inbox.messages) == 1 and inbox.sessions == [(True, b"digests")]
    # a wrong password is the server's refusal, recorded
    refused = run_cli(settings, "digest", "weekly", "--week", WEEK, "--send", "--force",
                      **{**env, "LABOURWATCH_SMTP_PASSWORD": "wrong"},
                      LABOURWATCH_SMTP_CA_FILE=str(cert))
    assert refused.returncode == 1 and "SMTPAuthenticationError" in refused.stderr
    assert len(inbox.messages) == 1


def test_a_refused_send_is_recorded_and_retried(corpus, smtp) -> None:
    settings, _ = corpus
    inbox, port = smtp
    closed = free_port()  # nothing listens here: the connection is refused
    failed = run_cli(settings, "digest", "weekly", "--week", WEEK, "--send", **smtp_env(closed))
    assert failed.returncode == 1 and "not sent (attempt 1)" in failed.stderr
    assert "retries" in failed.stderr
    store = Store.from_settings(settings)
    with store.session() as session:
        run = session.scalar(select(DigestRun).where(DigestRun.week == WEEK))
        assert run.state == "failed" and "Connection refused" in run.error
    # the scheduled run picks the failed week up again, before the week just ended
    sub = find(load_subscriptions(settings.config_dir / "subscriptions.yaml"), "weekly")
    weeks = due_weeks(store, sub, now=datetime(2026, 11, 23, 7, tzinfo=UTC))
    assert [str(w) for w in weeks] == [WEEK, "2026-W47"]
    retried = run_cli(settings, "digest", "weekly", "--week", WEEK, "--send", **smtp_env(port))
    assert retried.returncode == 0, retried.stderr
    assert len(inbox.messages) == 1
    with store.session() as session:
        run = session.scalar(select(DigestRun).where(DigestRun.week == WEEK))
        assert run.state == "sent" and run.attempts == 2 and run.error is None


def test_selection_ranks_counts_and_compares_with_the_week_before(corpus) -> None:
    settings, articles = corpus
    store = Store.from_settings(settings)
    es = make_client(settings)
    subs = load_subscriptions(settings.config_dir / "subscriptions.yaml")
    digest = select_digest(es, settings, store, find(subs, "weekly"), Week.parse(WEEK))
    assert digest.total == 3 and len(digest.stories) == 3
    assert digest.stories[0].title == articles[REPRINTED].title  # carried by two outlets
    assert digest.languages == {"en": 2, "zh": 2}  # articles, the reprint included
    assert all(s.extract and len(s.extract) <= 421 for s in digest.stories)
    paid = next(w for w in digest.wages if w.text == "$1.32 and $2 an hour")
    assert "Nairobi" in paid.places and paid.url.startswith("https://")
    assert any(w.currency == "CNY" for w in digest.wages)
    sama = next(m for m in digest.companies if m.id == "sama")
    assert (sama.this_week, sama.last_week) == (2, 1)
    # a filtered subscription: Kenya-only stories; an empty week is an empty digest
    kenya = select_digest(es, settings, store, find(subs, "kenya"), Week.parse(WEEK))
    assert [s.title for s in kenya.stories] == [articles[REPRINTED].title]
    quiet = select_digest(es, settings, store, find(subs, "weekly"), Week.parse("2026-W30"))
    assert quiet.empty and quiet.total == 0
    es.close()


def test_subscription_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "subscriptions.yaml"
    bad.write_text("- id: x\n  filters: {planet: Mars}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown filter 'planet'"):
        load_subscriptions(bad)
    bad.write_text("- id: x\n  schedule: {every: soon}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a duration"):
        load_subscriptions(bad)
    with pytest.raises(ValueError, match="YYYY-Www"):
        Week.parse("last week")


def test_the_web_ui_previews_a_digest_without_sending_it(corpus) -> None:
    from fastapi.testclient import TestClient

    from web.app import create_app

    settings, articles = corpus
    with TestClient(create_app(settings)) as client:
        listing = client.get("/digests")
        assert listing.status_code == 200 and "AI data workers weekly" in listing.text
        preview = client.get("/digests/weekly", params={"week": WEEK})
        assert preview.status_code == 200
        assert "srcdoc=" in preview.text and "2026-W45" in preview.text  # previous week link
        # the email's HTML travels escaped inside srcdoc: the title is there, as text
        assert html.escape(articles[REPRINTED].title, quote=True) in preview.text
        assert client.get("/digests/nobody").status_code == 404
        assert client.get("/digests/weekly", params={"week": "soon"}).status_code == 404
    store = Store.from_settings(settings)
    with store.session() as session:
        assert session.scalar(select(DigestRun)) is None  # a preview records nothing
