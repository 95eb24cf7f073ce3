"""One digest from selection to delivery, sent at most once per subscription and week.

The store records every digest (``DigestRun``): a second run for a week already sent records
nothing new and sends nothing; a failed send stays ``failed`` and the next run tries again;
``force`` sends regardless. Files and the Atom feed are rewritten on every run: they are
views of the store, not state.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from elasticsearch import Elasticsearch
from sqlalchemy import select

from config import Settings
from digests.deliver import DeliveryError, message, send, write_atom, write_files
from digests.render import Rendered, render
from digests.select import select_digest
from digests.subscriptions import Subscription
from digests.weeks import Week
from pipeline.models import DigestRun
from pipeline.store import Store

RETRY_WEEKS = 8  # a failed send older than this is left for a person to force


@dataclass
class Outcome:
    subscription: str
    week: str
    state: str  # rendered | sent | failed | already_sent
    stories: int
    wages: int
    subject: str
    files: list[str] = field(default_factory=list)
    atom: str | None = None
    recipients: list[str] = field(default_factory=list)
    attempts: int = 0
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def folder(settings: Settings, sub: Subscription) -> Path:
    return settings.data_dir / "digests" / sub.id


def produce(settings: Settings, es: Elasticsearch, store: Store, sub: Subscription, week: Week,
            *, send_email: bool = False, force: bool = False, out: Path | None = None
            ) -> Outcome:
    """Select, render, file and (when asked) send one digest."""
    digest = select_digest(es, settings, store, sub, week)
    rendered = render(digest)
    label = str(week)
    outcome = Outcome(subscription=sub.id, week=label, state="rendered",
                      stories=len(digest.stories), wages=len(digest.wages),
                      subject=rendered.subject)
    if out or sub.deliver.dir:
        outcome.files = [str(p) for p in write_files(out or folder(settings, sub), label,
                                                     rendered)]
    stamp = datetime.now(UTC)
    with store.session() as session:
        run = session.scalar(select(DigestRun).where(DigestRun.subscription_id == sub.id,
                                                     DigestRun.week == label))
        if run is None:
            run = DigestRun(subscription_id=sub.id, week=label, state="rendered", attempts=0)
            session.add(run)
        already = run.state == "sent" and not force
        if not already:  # what was sent stays what the record shows
            run.subject, run.html = rendered.subject, rendered.html
            run.stories, run.wages, run.rendered_at = outcome.stories, outcome.wages, stamp
        outcome.attempts = run.attempts
    recipients = list(sub.deliver.email)
    if send_email and recipients:
        outcome.recipients = recipients
        if already:
            outcome.state = "already_sent"
        else:
            _send(settings, store, sub, label, rendered, recipients, outcome)
    if sub.deliver.atom:
        outcome.atom = str(_atom(settings, store, sub))
    return outcome


def _send(settings: Settings, store: Store, sub: Subscription, week: str, rendered: Rendered,
          recipients: list[str], outcome: Outcome) -> None:
    when = datetime.now(UTC)
    mail = message(settings, sub, week, rendered, recipients, when)
    try:
        send(settings, mail)
        state, error = "sent", None
    except DeliveryError as failure:
        state, error = "failed", str(failure)
    with store.session() as session:
        run = session.scalar(select(DigestRun).where(DigestRun.subscription_id == sub.id,
                                                     DigestRun.week == week))
        run.state, run.error = state, error
        run.attempts += 1
        run.recipients = recipients
        if state == "sent":
            run.sent_at, run.message_id = when, mail["Message-ID"]
        outcome.state, outcome.error, outcome.attempts = state, error, run.attempts


def _atom(settings: Settings, store: Store, sub: Subscription) -> Path:
    with store.session() as session:
        runs = list(session.scalars(select(DigestRun)
                                    .where(DigestRun.subscription_id == sub.id)))
    base = settings.web_base_url.rstrip("/") if settings.web_base_url else None
    return write_atom(folder(settings, sub) / "atom.xml", sub, runs,
                      f"{base}/digests/{sub.id}" if base else None)


def due_weeks(store: Store, sub: Subscription, now: datetime | None = None) -> list[Week]:
    """What a scheduled run delivers: sends that failed in recent weeks, then the week that
    has just ended."""
    latest = Week.last_complete(now)
    oldest = str(_weeks_before(latest, RETRY_WEEKS))
    with store.session() as session:
        failed = session.scalars(select(DigestRun.week).where(
            DigestRun.subscription_id == sub.id, DigestRun.state == "failed",
            DigestRun.week >= oldest, DigestRun.week < str(latest))).all()
    return [Week.parse(w) for w in sorted(failed)] + [latest]


def _weeks_before(week: Week, count: int) -> Week:
    for _ in range(count):
        week = week.previous()
    return week
