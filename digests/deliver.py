"""Getting a rendered digest to people: an email over SMTP, files in the data dir, Atom."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from feedgen.feed import FeedGenerator

from config import Settings
from digests.render import Rendered
from digests.subscriptions import Subscription
from pipeline.models import DigestRun
from pipeline.store import utc


class DeliveryError(RuntimeError):
    """The mail server could not be reached or refused the message; the send is retried."""


def message(settings: Settings, sub: Subscription, week: str, rendered: Rendered,
            recipients: Iterable[str], when: datetime) -> EmailMessage:
    """multipart/alternative: the plain-text part first, the HTML part preferred."""
    mail = EmailMessage()
    mail["Subject"] = rendered.subject
    mail["From"] = settings.smtp_from
    mail["To"] = ", ".join(recipients)
    mail["Date"] = format_datetime(when)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "labourwatch.local"
    mail["Message-ID"] = make_msgid(idstring=f"{sub.id}.{week}", domain=domain)
    mail["List-Id"] = f"{sub.name} <{sub.id}.labourwatch>"
    mail["X-Labourwatch-Digest"] = f"{sub.id} {week}"
    mail.set_content(rendered.text)
    mail.add_alternative(rendered.html, subtype="html")
    return mail


def send(settings: Settings, mail: EmailMessage) -> None:
    """One SMTP conversation; any refusal becomes a DeliveryError with the server's words."""
    if not settings.smtp_host:
        raise DeliveryError("no SMTP server configured (set LABOURWATCH_SMTP_HOST)")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                          timeout=settings.smtp_timeout) as smtp:
            if settings.smtp_starttls:
                # certificate and host name checked, against smtp_ca_file when set (an
                # organisation's own CA) or else the system's CAs
                smtp.starttls(context=ssl.create_default_context(
                    cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None))
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: "
                            f"{type(error).__name__}: {error}") from error


def write_files(folder: Path, week: str, rendered: Rendered) -> list[Path]:
    """``<week>.html`` and ``<week>.md``, written whole (a reader never sees half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, body in ((".html", rendered.html), (".md", rendered.markdown)):
        path = folder / f"{week}{suffix}"
        partial = path.with_suffix(suffix + ".part")
        partial.write_text(body, encoding="utf-8")
        partial.replace(path)
        written.append(path)
    return written


def write_atom(path: Path, sub: Subscription, runs: list[DigestRun],
               link: str | None) -> Path:
    """The subscription's feed: one entry per week, newest first, the digest as content."""
    feed = FeedGenerator()
    feed.id(f"urn:labourwatch:digest:{sub.id}")
    feed.title(sub.name)
    feed.subtitle(f"labourwatch weekly digest: {sub.query}")
    feed.link(href=link or f"urn:labourwatch:digest:{sub.id}", rel="alternate")
    feed.language("en")
    feed.generator("labourwatch")
    newest = sorted(runs, key=lambda r: r.week, reverse=True)[:52]
    if newest:
        feed.updated(utc(newest[0].rendered_at))
    for run in reversed(newest):  # feedgen lists entries in reverse order of adding
        entry = feed.add_entry()
        entry.id(f"urn:labourwatch:digest:{sub.id}:{run.week}")
        entry.title(run.subject)
        entry.updated(utc(run.rendered_at))
        entry.published(utc(run.rendered_at))
        if link:
            entry.link(href=f"{link}?week={run.week}", rel="alternate")
        entry.content(run.html, type="html")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    feed.atom_file(str(partial), pretty=True)
    partial.replace(path)
    return path
