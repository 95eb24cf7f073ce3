"""A digest as an email (HTML with inline CSS, and plain text), Markdown, and Atom entries.

The HTML keeps every style inline and the layout in tables because that is what mail
clients render alike (Gmail and Outlook drop <style> blocks and most modern CSS). Values from
articles are escaped by Jinja's autoescape in the HTML; Markdown gets its own escaping.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from babel import Locale
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from digests.select import Digest, Mentions, Story, WageRow

TEMPLATES = Path(__file__).resolve().parent / "templates"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


@dataclass
class Rendered:
    subject: str
    html: str
    text: str
    markdown: str


def _day(value: date | datetime | None) -> str:
    return value.strftime("%a %-d %b %Y") if value else "undated"


def _hourly(wage: WageRow) -> str:
    if wage.hourly_usd is None:
        return "per task" if wage.period == "task" else "—"
    if wage.hourly_usd_max is not None and wage.hourly_usd_max != wage.hourly_usd:
        return f"${wage.hourly_usd:,.2f}–${wage.hourly_usd_max:,.2f}/h"
    return f"${wage.hourly_usd:,.2f}/h"


def _change(mention: Mentions) -> str:
    if mention.last_week == 0:
        return "new this week"
    if mention.change == 0:
        return "as last week"
    return f"{'up' if mention.change > 0 else 'down'} from {mention.last_week}"


def _language(code: str) -> str:
    try:
        return Locale.parse(code).get_display_name("en") or code
    except (ValueError, TypeError):
        return code


def _filters(filters: dict) -> str:
    return "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                     for k, v in filters.items())


def _summary(digest: Digest) -> str:
    parts = [f"{digest.total} stor{'y' if digest.total == 1 else 'ies'} this week"]
    if digest.languages:
        parts.append(", ".join(f"{n} {_language(lang)}" for lang, n in
                               digest.languages.items()))
    if digest.wages:
        parts.append(f"{len(digest.wages)} wage figure{'' if len(digest.wages) == 1 else 's'}")
    return " · ".join(parts)


def _byline(story: Story) -> str:
    line = f"{story.outlet or 'unknown outlet'} · {_day(story.published_at)}"
    if len(story.outlets) > 1:
        line += f" · carried by {len(story.outlets)} outlets ({', '.join(story.outlets)})"
    return line


def _outlets(digest: Digest) -> str:
    return " · ".join(f"{outlet} {n}" for outlet, n in digest.outlets.items())


def _search(digest: Digest) -> str:
    sub = digest.subscription
    found = sub.query + (f" with {_filters(sub.filters)}" if sub.filters else "")
    return f"{found}; subscription “{sub.id}”, made on {_day(digest.generated_at)}"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(day=_day, hourly=_hourly, change=_change, language=_language,
                       filters=_filters, summary=_summary, byline=_byline,
                       outlets=_outlets, search=_search,
                       md=lambda text: _MD_SPECIAL.sub(r"\\\1", str(text or "")),
                       wrap=lambda text: "\n   ".join(textwrap.wrap(str(text), 88)) or "")
    return env


_ENV = _environment()


def subject(digest: Digest) -> str:
    count = f"{digest.total} stor{'y' if digest.total == 1 else 'ies'}"
    return f"{digest.subscription.name} · {digest.week} · {count}"


def render(digest: Digest) -> Rendered:
    return Rendered(subject=subject(digest),
                    html=_ENV.get_template("email.html").render(d=digest),
                    text=_ENV.get_template("email.txt").render(d=digest),
                    markdown=_ENV.get_template("digest.md").render(d=digest))
