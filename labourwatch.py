"""The ``labourwatch`` command: one entry point; parses options and calls library code."""

from __future__ import annotations

import html
import json
import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from config import Settings, load_settings

app = typer.Typer(help="News and report aggregation on AI labour.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
es_app = typer.Typer(help="The managed local Elasticsearch node.", no_args_is_help=True)
app.add_typer(es_app, name="es")
db_app = typer.Typer(help="The store of record's schema (Alembic migrations).",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")
err = Console(stderr=True)
out = Console(soft_wrap=True)


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj


@app.callback()
def main_options(
    ctx: typer.Context,
    data_dir: Annotated[Path | None, typer.Option(envvar="LABOURWATCH_DATA_DIR",
                                                  help="Data dir (default: ./var)")] = None,
    config_dir: Annotated[Path | None, typer.Option(envvar="LABOURWATCH_CONFIG",
                                                    help="Config dir (default: ./config)")] = None,
    es_url: Annotated[str | None, typer.Option(
        envvar="LABOURWATCH_ES_URL", help="Use this cluster; unset: the local node")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details")] = False,
) -> None:
    handler = RichHandler(console=err, show_path=False)
    if not verbose:  # Scrapy resets logger levels; its own log is for -v (the crawl summary
        # and the fetch rows already say what failed and why)
        handler.addFilter(lambda r: r.levelno >= logging.WARNING
                          and not r.name.startswith(("scrapy", "twisted", "py.warnings")))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s",
                        handlers=[handler])
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)
    try:
        ctx.obj = load_settings({"data_dir": data_dir, "config_dir": config_dir,
                                 "es_url": es_url})
    except (ValueError, OSError) as error:
        err.print(f"[red]error:[/] settings: {escape(str(error))}")
        raise typer.Exit(2) from error


# -- Elasticsearch -------------------------------------------------------------------------------
def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(message)}")
    return typer.Exit(code)


def connect(settings: Settings, start: bool = True):  # type: ignore[no-untyped-def]
    """A client for the configured cluster; starts the managed node first if it is down."""
    from index.client import make_client
    from index.node import LocalNode

    if settings.managed_es and start:
        node = LocalNode(settings)
        if not node.healthy():
            with err.status(f"starting the local Elasticsearch node on {node.url}…"):
                node.start()
    return make_client(settings)


@es_app.command("install")
def es_install(ctx: typer.Context) -> None:
    """Fetch Elasticsearch from Maven Central and unpack it (Java too, if missing); once."""
    from index.node import LocalNode, NodeError

    settings = _settings(ctx)
    node = LocalNode(settings)
    try:
        with err.status(f"installing Elasticsearch {settings.es_version}…"):
            fresh = node.install()
    except (NodeError, OSError, RuntimeError, subprocess.SubprocessError) as error:
        raise _fail(str(error)) from error
    state = "installed" if fresh else "already installed"
    err.print(f"Elasticsearch {settings.es_version} {state} at {node.paths.dist}")


@es_app.command("start")
def es_start(ctx: typer.Context) -> None:
    """Start the local node and wait until it is healthy (a no-op if it is running); a
    cluster member (``es_seed_hosts``) only until it answers."""
    from index.node import LocalNode, NodeError

    settings = _settings(ctx)
    if not settings.managed_es:
        err.print(f"using the cluster at {settings.es_url}; nothing to start")
        return
    node = LocalNode(settings)
    try:
        with err.status(f"starting Elasticsearch on {node.url}…"):
            started = node.start()
    except (NodeError, OSError, RuntimeError, subprocess.SubprocessError) as error:
        raise _fail(str(error)) from error
    err.print(f"Elasticsearch {'started' if started else 'already running'} on {node.url} "
              f"(pid {node.pid()})")
    if settings.es_clustered and not node.healthy():
        err.print(f"waiting for the other nodes of cluster {settings.es_cluster_name!r} "
                  f"({', '.join(settings.es_seed_hosts)}) to elect a master")


@es_app.command("stop")
def es_stop(ctx: typer.Context) -> None:
    """Stop the local node."""
    from index.node import LocalNode

    settings = _settings(ctx)
    if not settings.managed_es:
        err.print(f"using the cluster at {settings.es_url}; nothing to stop")
        return
    stopped = LocalNode(settings).stop()
    err.print("Elasticsearch stopped" if stopped else "Elasticsearch was not running")


def es_status_data(settings: Settings) -> dict:
    """Version, health and document counts of the cluster in use."""
    from index.client import make_client
    from index.node import LocalNode

    status: dict = {"managed": settings.managed_es, "url": settings.es_endpoint}
    if settings.managed_es:
        node = LocalNode(settings)
        status.update(installed=node.installed(), pid=node.pid(), home=str(node.paths.node))
    es = make_client(settings)
    try:
        health = es.cluster.health()
        nodes = es.nodes.info(node_id="_local")
        versions = sorted({n["version"] for n in nodes["nodes"].values()})
        indices = es.cat.indices(index=f"{settings.index_prefix}*", format="json")
    except Exception as error:  # noqa: BLE001
        status.update(running=False, error=f"{type(error).__name__}: {error}"[:300])
        return status
    status.update(running=True, version=", ".join(versions), health=health["status"],
                  nodes=health["number_of_nodes"],
                  indices={i["index"]: int(i["docs.count"] or 0) for i in indices})
    return status


@es_app.command("status")
def es_status(ctx: typer.Context,
              as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Version, health and document counts; exit 1 when the cluster does not answer."""
    status = es_status_data(_settings(ctx))
    if as_json:
        out.print_json(data=status)
    else:
        _print_es_status(status)
    if not status.get("running"):
        raise typer.Exit(1)


def _print_es_status(status: dict) -> None:
    kind = "local node" if status["managed"] else "external cluster"
    if not status.get("running"):
        out.print(f"Elasticsearch ({kind}) at {status['url']}: [red]not running[/]"
                  + (f" — {escape(status['error'])}" if status.get("error") else ""))
        return
    out.print(f"Elasticsearch {status['version']} ({kind}) at {status['url']}: "
              f"health [bold]{status['health']}[/], {status['nodes']} node(s)"
              + (f", pid {status['pid']}" if status.get("pid") else ""))
    for index, docs in sorted(status["indices"].items()):
        out.print(f"  {index}: {docs} docs")


# -- store schema --------------------------------------------------------------------------------
@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """The store's schema revision and the newest one; exit 1 when the store is behind."""
    from pipeline.migrate import head, revision_of
    from pipeline.store import display_url, make_engine

    settings = _settings(ctx)
    engine = make_engine(settings.database_url)
    try:
        found = revision_of(engine)
    finally:
        engine.dispose()
    state = "up to date" if found == head() else "behind: run `labourwatch db upgrade`"
    out.print(f"{display_url(settings.database_url)}: revision {found or 'none'} "
              f"(newest {head()}), {state}")
    if found != head():
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Migrate the store to the newest schema (every command also does this on start)."""
    from pipeline.migrate import ensure_schema, head
    from pipeline.store import display_url, make_engine

    settings = _settings(ctx)
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    try:
        changed = ensure_schema(engine)
    finally:
        engine.dispose()
    err.print(f"{display_url(settings.database_url)}: "
              f"{'upgraded to' if changed else 'already at'} revision {head()}")


# -- ingest / search / reindex ------------------------------------------------------------------
def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=True)


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="HTML files or folders of them")],
    outlet: Annotated[str | None, typer.Option(help="Outlet id (default: from the URL)")] = None,
    url: Annotated[str | None, typer.Option(help="The page's URL (default: its canonical "
                                                 "URL, else the file's)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per document")] = False,
) -> None:
    """Put local pages through the pipeline: archive, extract, store, index."""
    from pipeline.ingest import Ingestor, expand

    settings = _settings(ctx)
    es = None
    try:
        es = connect(settings)
    except Exception as error:  # noqa: BLE001 - store now, index on the next run
        err.print(f"[yellow]warning:[/] Elasticsearch unavailable ({escape(str(error)[:300])}); "
                  "documents are stored and will be indexed on the next run")
    ingestor = Ingestor.from_settings(settings)
    files = list(expand(paths))
    with _progress() as progress:
        task = progress.add_task("ingesting", total=len(files))
        results, report = ingestor.ingest(files, es, outlet=outlet, url=url,
                                          progress=lambda _r: progress.advance(task))
    failed = [r for r in results if not r.ok]
    for result in results:
        if not result.ok:
            err.print(f"[red]error:[/] {escape(str(result.path))}: {escape(result.error or '')}")
        elif as_json:
            print(json.dumps(result.as_json(), ensure_ascii=False))
    counts = {k: sum(r.outcome == k for r in results) for k in ("new", "updated", "unchanged")}
    unindexed = len(report.failed) if report else sum(r.ok for r in results)
    err.print(f"{len(results)} files: {counts['new']} new, {counts['updated']} updated, "
              f"{counts['unchanged']} unchanged, {len(failed)} failed; "
              f"{report.indexed if report else 0} indexed, {unindexed} left unindexed")
    if report and report.failed:
        err.print(f"[yellow]warning:[/] not indexed: {escape(next(iter(report.failed.values())))}")
    if failed:
        raise typer.Exit(1)


def _csv(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


# The filters `search` and `export` share (the API takes the same, as query parameters).
Outlets = Annotated[list[str] | None, typer.Option("--outlet", help="Outlet id (repeatable)")]
Languages = Annotated[list[str] | None, typer.Option("--lang", help="Language code (repeatable)")]
Companies = Annotated[list[str] | None, typer.Option("--company", help="Company id (repeatable)")]
Countries = Annotated[list[str] | None, typer.Option("--country",
                                                     help="Country code (repeatable)")]
Since = Annotated[str | None, typer.Option(help="Published on or after YYYY-MM-DD")]
Until = Annotated[str | None, typer.Option(help="Published on or before YYYY-MM-DD")]
WageMin = Annotated[float | None, typer.Option(help="Hourly USD at least")]
WageMax = Annotated[float | None, typer.Option(help="Hourly USD at most")]
OffTopic = Annotated[bool, typer.Option("--off-topic", help="Include stories judged off the "
                                        "AI-labour beat")]


def _filters(outlet: list[str] | None, lang: list[str] | None, company: list[str] | None,
             country: list[str] | None, since: str | None, until: str | None,
             wage_min: float | None, wage_max: float | None, off_topic: bool):  # noqa: ANN202
    from index.search import SearchFilters

    try:
        return SearchFilters(outlets=_csv(outlet), languages=_csv(lang),
                             companies=_csv(company), countries=_csv(country),
                             since=date.fromisoformat(since) if since else None,
                             until=date.fromisoformat(until) if until else None,
                             wage_min=wage_min, wage_max=wage_max, off_topic=off_topic)
    except ValueError as error:
        raise _fail(f"bad date: {error}", 2) from error


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words, "phrases", OR, -exclusions; * for all')],
    outlet: Outlets = None, lang: Languages = None, company: Companies = None,
    country: Countries = None, since: Since = None, until: Until = None,
    wage_min: WageMin = None, wage_max: WageMax = None,
    off_topic: OffTopic = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    sort: Annotated[str, typer.Option(help="relevance or date")] = "relevance",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search stored coverage (one hit per syndication cluster, with highlights and facets)."""
    from index.search import search as run_search

    settings = _settings(ctx)
    filters = _filters(outlet, lang, company, country, since, until, wage_min, wage_max,
                       off_topic)
    if sort not in {"relevance", "date"}:
        raise _fail("--sort is relevance or date", 2)
    try:
        result = run_search(connect(settings), settings, query, filters, limit=limit, sort=sort)
    except Exception as error:  # noqa: BLE001
        raise _fail(f"search failed: {type(error).__name__}: {error}"[:500]) from error
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    _print_results(result)


@app.command()
def export(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="articles, wages or claims")],
    query: Annotated[str, typer.Argument(help='Search query; * for everything')] = "*",
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
    out_file: Annotated[Path | None, typer.Option("--out", help="File to write (default: "
                                                             "standard output)")] = None,
    outlet: Outlets = None, lang: Languages = None, company: Companies = None,
    country: Countries = None, since: Since = None, until: Until = None,
    wage_min: WageMin = None, wage_max: WageMax = None,
    off_topic: OffTopic = False,
) -> None:
    """Every match (not only the first page) as CSV or JSON Lines, each wage and claim with its
    sentence and archived capture; copies of a syndicated story are all included."""
    from index.export import KINDS, write
    from index.export import export as run_export
    from pipeline.store import Store

    settings = _settings(ctx)
    if kind not in KINDS:
        raise _fail(f"export kind is one of {', '.join(KINDS)}", 2)
    if fmt not in {"csv", "jsonl"}:
        raise _fail("--format is csv or jsonl", 2)
    filters = _filters(outlet, lang, company, country, since, until, wage_min, wage_max,
                       off_topic)
    store = Store.from_settings(settings)
    with _progress() as progress:
        task = progress.add_task(f"exporting {kind}", total=None)
        try:
            result = run_export(connect(settings), settings, store, kind, query, filters,
                                progress=lambda n: progress.advance(task, n))
            progress.update(task, total=result.total)
            target = out_file.open("w", encoding="utf-8", newline="") if out_file else sys.stdout
            try:
                count = write(result.rows, kind, fmt, target)
            finally:
                if out_file:
                    target.close()
        except Exception as error:  # noqa: BLE001
            raise _fail(f"export failed: {type(error).__name__}: {error}"[:500]) from error
    err.print(f"{count} {kind} rows from {result.total} matching articles"
              + (f" written to {escape(str(out_file))}" if out_file else ""))


def _print_results(result: dict) -> None:
    table = Table(title=f"{result['total']} stories", show_lines=True)
    for column in ("date", "outlet", "title / highlights"):
        table.add_column(column)
    for hit in result["hits"]:
        text = escape(hit["title"] or hit["url"])
        for fragment in hit["highlights"][:2]:
            text += "\n… " + escape(html.unescape(fragment)).replace(
                "<mark>", "[bold yellow]").replace("</mark>", "[/]")
        text += f"\n[dim]{escape(hit['url'])}[/]"
        table.add_row((hit["published_at"] or "")[:10], hit["outlet"] or "", text)
    out.print(table)


@app.command()
def extract(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A text or HTML file, or - for standard input")
                      ] = "-",
    lang: Annotated[str, typer.Option(help="auto, en or zh")] = "auto",
    year: Annotated[int | None, typer.Option(help="The article's year, for currency "
                                                  "conversion (default: latest rates)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The extract --json shape")] = False,
) -> None:
    """Wages, companies, places, organisations, people, attributions and claims in a text."""
    from nlp.pipeline import analyse, configure
    from pipeline.errors import PipelineError
    from pipeline.extract import extract_html, sniff

    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise _fail(f"cannot read {source}: {error.strerror or error}") from error
    extracted = None
    if sniff(raw) == "html" and raw.lstrip()[:1] == b"<":  # a page: its article text first
        try:
            extracted = extract_html(raw, min_chars=0)
        except PipelineError as error:
            raise _fail(f"{source}: {error}") from error
        text = extracted.text
        year = year or (extracted.published_at.year if extracted.published_at else None)
    else:
        text = raw.decode("utf-8", "replace")
    if lang not in {"auto", "en", "zh"}:
        raise _fail(f"--lang must be auto, en or zh, not {lang!r}", 2)
    settings = _settings(ctx)
    configure(settings.nlp_model, settings.config_dir)
    result = analyse(text, lang, year)
    if extracted is not None:
        result["text"] = text  # offsets point into the extracted article text
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    _print_extraction(result)


def _print_extraction(result: dict) -> None:
    out.print(f"language: {result['language']}")
    wages = Table(title="wages")
    for column in ("as written", "amount", "currency", "period", "qualifier", "USD/hour"):
        wages.add_column(column)
    for w in result["wages"]:
        amount = f"{w['amount']:g}" + (f"–{w['amount_max']:g}" if w["amount_max"] else "")
        hourly = "" if w["hourly_usd"] is None else f"{w['hourly_usd']:.2f}" + (
            f"–{w['hourly_usd_max']:.2f}" if w["hourly_usd_max"] else "")
        wages.add_row(escape(w["text"]), amount, w["currency"], w["period"] or "",
                      w["qualifier"] or "", hourly)
    if result["wages"]:
        out.print(wages)
    for field, key in (("companies", "id"), ("places", "id"), ("organizations", "name"),
                       ("people", "name"), ("attributions", "source")):
        if result[field]:
            names = ", ".join(dict.fromkeys(f"{r[key]} ({escape(r['text'])})"
                                            for r in result[field]))
            out.print(f"{field}: {names}")
    out.print(f"claims: {len(result['claims'])}")


@app.command()
def reindex(ctx: typer.Context) -> None:
    """Build a fresh index version from the store and swap the aliases to it."""
    from index.sync import reindex as run_reindex
    from pipeline.store import Store

    settings = _settings(ctx)
    store = Store.from_settings(settings)
    total = store.counts()["articles"]
    try:
        es = connect(settings)
        with _progress() as progress:
            task = progress.add_task("reindexing", total=total)
            report = run_reindex(store, es, settings, progress=lambda n: progress.advance(task, n))
    except Exception as error:  # noqa: BLE001
        raise _fail(f"reindex failed: {type(error).__name__}: {error}"[:500]) from error
    err.print(f"reindexed {report.indexed} of {total} articles into {report.index}"
              + (f"; {len(report.failed)} failed" if report.failed else ""))
    if report.failed:
        raise typer.Exit(1)


@app.command()
def reprocess(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="Only captures fetched on or after "
                                                   "YYYY-MM-DD")] = None,
) -> None:
    """Re-extract every stored story from its archived capture; changed text becomes a version."""
    from index.sync import catch_up
    from pipeline.reprocess import reprocess as run_reprocess
    from pipeline.store import Store

    settings = _settings(ctx)
    try:
        start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    except ValueError as error:
        raise _fail(f"bad date: {error}", 2) from error
    store = Store.from_settings(settings)
    with _progress() as progress:
        task = progress.add_task("reprocessing", total=None)
        counts = run_reprocess(settings, store, start, lambda: progress.advance(task))
    err.print("reprocessed: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
              if counts else "nothing to reprocess")
    try:
        report = catch_up(store, connect(settings), settings)
        err.print(f"indexed {report.indexed}")
    except Exception as error:  # noqa: BLE001 - stored; indexed on the next run
        err.print(f"[yellow]warning:[/] not indexed now ({escape(str(error)[:200])})")


@app.command()
def versions(
    ctx: typer.Context,
    article: Annotated[str, typer.Argument(help="Article URL or id")],
    show_diff: Annotated[bool, typer.Option("--diff", help="Show what changed")] = False,
    old: Annotated[int | None, typer.Option("--from", help="Older version (default: the "
                                                          "one before --to)")] = None,
    new: Annotated[int | None, typer.Option("--to", help="Newer version (default: latest)")
                   ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The versions of a story, with the archived capture of each, and what changed."""
    from pipeline.store import Store
    from pipeline.versions import describe, diff, find_article

    found = find_article(Store.from_settings(_settings(ctx)), article)
    if found is None:
        raise _fail(f"no stored article with URL or id {article!r}")
    if as_json:
        print(json.dumps({"id": found.id, "url": found.url, "versions": describe(found)},
                         ensure_ascii=False, indent=1))
        return
    table = Table(title=found.url)
    for column in ("version", "stored", "fetched", "chars", "title"):
        table.add_column(column)
    for row in describe(found):
        table.add_row(str(row["version"]), row["created_at"][:19], (row["fetched_at"] or "")[:19],
                      str(row["chars"]), escape(row["title"] or ""))
    out.print(table)
    if show_diff and len(found.versions) > 1:
        try:
            print(diff(found, old, new))
        except KeyError as error:
            raise _fail(str(error.args[0]), 2) from error


@app.command()
def status(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What the store holds and how the index stands."""
    from pipeline.store import Store, display_url

    settings = _settings(ctx)
    import scheduler as schedule_
    from crawlers.frontier import frontier_status
    from crawlers.health import source_health

    store_ = Store.from_settings(settings)
    data = {"store": store_.counts(), "sources": source_health(store_),
            "elasticsearch": es_status_data(settings), "jobs": schedule_.jobs(settings),
            "runs": schedule_.recent_runs(store_), "frontier": frontier_status(settings)}
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1, default=str))
        return
    store = data["store"]
    out.print(f"Store {display_url(settings.database_url)}: {store['articles']} articles, "
              f"{store['versions']} versions, {store['fetches']} fetches "
              f"({store['failed_fetches']} failed), {store['unindexed']} not yet indexed")
    _print_es_status(data["elasticsearch"])
    if data["frontier"]:
        _print_frontier(data["frontier"])
    if data["sources"]:
        table = Table(title="sources, last 7 days")
        for column in ("source", "state", "fetches", "failed", "last success", "last error"):
            table.add_column(column)
        for row in data["sources"]:
            table.add_row(row["source"] or "-", row["state"], str(row["fetches"]),
                          str(row["failed"]), str(row["last_success"] or "never")[:19],
                          escape((row["last_error"] or "")[:60]))
        out.print(table)
    if data["jobs"]:
        _print_jobs(data["jobs"], out)
    if data["runs"]:
        table = Table(title="recent scheduled runs")
        for column in ("job", "started (UTC)", "took", "outcome", "counts / error"):
            table.add_column(column)
        for run_ in data["runs"]:
            took = (f"{(run_['finished_at'] - run_['started_at']).total_seconds():.0f} s"
                    if run_["finished_at"] else "running")
            detail = run_["error"] or ", ".join(f"{k} {v}" for k, v in
                                                (run_["counts"] or {}).items())
            table.add_row(escape(run_["job"]), str(run_["started_at"])[:19], took,
                          run_["outcome"], escape(detail[:80]))
        out.print(table)


def _print_frontier(frontier: dict) -> None:
    if "error" in frontier:
        out.print(f"Frontier {frontier['url']}: [red]unreachable[/] ({escape(frontier['error'])})")
        return
    passes = frontier["passes"]
    running = "; ".join(f"{p['key']}: {p['crawlers']} crawler(s), {p['queued']} queued, "
                        f"{p['seen']} requests let in" for p in passes)
    # emoji=False: a key such as "frontier:abc:" is not an emoji code
    out.print(f"Frontier {frontier['url']}: " + (escape(running) if passes else "no crawl running"),
              emoji=False)


# -- digests -------------------------------------------------------------------------------------
@app.command()
def digest(
    ctx: typer.Context,
    subscription: Annotated[str, typer.Argument(help="Subscription id "
                                                     "(config/subscriptions.yaml)")],
    week: Annotated[str | None, typer.Option(help="ISO week YYYY-Www (default: the week just "
                                                  "ended)")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the HTML and Markdown "
                                                               "here too")] = None,
    send: Annotated[bool, typer.Option("--send", help="Email it to the subscription's "
                                                      "addresses (once per week)")] = False,
    force: Annotated[bool, typer.Option("--force", help="Send even if already sent")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON")] = False,
) -> None:
    """Render one subscription's weekly digest (files, Atom) and optionally email it."""
    from digests.run import produce
    from digests.subscriptions import SubscriptionError, find, load_subscriptions
    from digests.weeks import Week
    from pipeline.store import Store

    settings = _settings(ctx)
    try:
        sub = find(load_subscriptions(settings.config_file("subscriptions.yaml")), subscription)
        chosen = Week.parse(week) if week else Week.last_complete()
    except (SubscriptionError, ValueError) as error:
        raise _fail(str(error), 2) from error
    try:
        es = connect(settings)
    except Exception as error:  # noqa: BLE001
        raise _fail(f"Elasticsearch: {error}") from error
    with err.status(f"digest {sub.id} for {chosen}…"):
        outcome = produce(settings, es, Store.from_settings(settings), sub, chosen,
                          send_email=send, force=force, out=out_dir)
    if as_json:
        print(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=1))
    else:
        out.print(escape(f"{outcome.subject}: {outcome.stories} stories, "
                         f"{outcome.wages} wage figures"))
        for path in [*outcome.files, *([outcome.atom] if outcome.atom else [])]:
            out.print(f"  wrote {escape(path)}")
        if send and not outcome.recipients:
            err.print("[yellow]note:[/] this subscription has no email addresses; "
                      "nothing to send")
        elif outcome.state == "sent":
            out.print(f"  sent to {escape(', '.join(outcome.recipients))}")
        elif outcome.state == "already_sent":
            out.print("  already sent for this week; nothing sent (--force resends)")
    if outcome.state == "failed":
        raise _fail(f"not sent (attempt {outcome.attempts}): {outcome.error}; "
                    "the next run retries it")


# -- claim tracing -------------------------------------------------------------------------------
@app.command()
def trace(
    ctx: typer.Context,
    claim: Annotated[str | None, typer.Argument(help="The claim as you met it, in any "
                                                     "language")] = None,
    article: Annotated[str | None, typer.Option("--article", help="Trace every claim of "
                                                "this article (URL or id) instead")] = None,
    year: Annotated[int | None, typer.Option(help="Year of the claim, for currency "
                                                  "conversion (default: this year)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Who said it first, who repeated or credited it, and whose figure differs."""
    from index.trace import probe_from_text, trace_article
    from index.trace import trace as trace_claim

    settings = _settings(ctx)
    if bool(claim) == bool(article):
        raise _fail("give a claim text or --article URL_OR_ID (one of the two)", 2)
    try:
        es = connect(settings)
    except Exception as error:  # noqa: BLE001
        raise _fail(f"Elasticsearch: {error}") from error
    if article:
        result = trace_article(es, settings, article)
        if result["article"] is None:
            raise _fail(f"no claims stored for {article!r} (not ingested, or no figures in it)")
        traces = result["claims"]
    else:
        result = trace_claim(es, settings, probe_from_text(claim or "", "auto", year))
        traces = [result]
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for found in traces:
        _print_trace(found)


def _print_trace(found: dict) -> None:
    figures = ", ".join(f for f in found["figures"] if f) or "no figure"
    out.print(f"[bold]{escape(found['claim'])}[/] ({escape(figures)})")
    if not found["evidence"]:
        out.print("  nothing stored states this claim")
        return
    table = Table(show_lines=False)
    for column in ("relation", "published", "outlet", "sentence", "url"):
        table.add_column(column, overflow="fold")
    for item in found["evidence"]:
        relation = item["relation"] + (f" → {item['cites']}" if item.get("cites") else "")
        table.add_row(relation, (item["published_at"] or "")[:10], item["outlet"] or "",
                      escape(item["sentence"][:160]), escape(item["url"]))
    out.print(table)


# -- crawl ---------------------------------------------------------------------------------------
@app.command()
def crawl(
    ctx: typer.Context,
    source: Annotated[list[str] | None, typer.Option(help="Source id (repeatable; default all)")
                      ] = None,
    sources: Annotated[Path | None, typer.Option(help="Sources file (default "
                                                      "<config>/sources.yaml)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """One polite pass over the chosen sources: fetch, archive, extract, store, index."""
    from crawlers.run import CrawlError, run_crawl
    from crawlers.sources import SourceError, load_sources, select
    from index.sync import catch_up
    from pipeline.store import Store

    settings = _settings(ctx)
    try:
        chosen = select(load_sources(sources or settings.config_file("sources.yaml")),
                        _csv(source))
    except SourceError as error:
        raise _fail(str(error), 2) from error
    with err.status(f"crawling {len(chosen)} sources…") as status:
        def show(report) -> None:  # type: ignore[no-untyped-def]
            status.update(f"crawling {len(chosen)} sources: {report.fetched} fetched, "
                          f"{report.new} new, {report.updated} updated, "
                          f"{sum(report.failed.values())} failed")

        try:
            report = run_crawl(settings, chosen, on_progress=show)
        except CrawlError as error:
            raise _fail(str(error)) from error
    index = None
    try:
        index = catch_up(Store.from_settings(settings), connect(settings), settings)
    except Exception as error:  # noqa: BLE001 - stored; indexed on the next run
        err.print(f"[yellow]warning:[/] not indexed now ({escape(str(error)[:200])}); "
                  "the next run will index it")
    summary = report.as_dict()
    summary["indexed"] = index.indexed if index else 0
    summary["unindexed"] = len(index.failed) if index else None
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    _print_crawl(summary)


def _print_crawl(summary: dict) -> None:
    table = Table(title="crawl summary", show_header=False)
    for key in ("fetched", "articles", "new", "updated", "unchanged", "not_modified",
                "skipped_seen", "skipped_robots", "indexed"):
        table.add_row(key.replace("_", " "), str(summary[key]))
    for reason, count in sorted(summary["failed"].items()):
        table.add_row(f"failed: {reason}", str(count))
    if summary["frontier"]:  # this process's share of a pass several crawlers made
        frontier = summary["frontier"]
        table.add_row("shared frontier", Text(f"{frontier['url']} {frontier['key']}, "
                                              f"{frontier['crawlers']} crawler(s)"))
    out.print(table)


# -- run -------------------------------------------------------------------------------------
@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address (default: web_host, 127.0.0.1)")
                    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: web_port, 8000)")] = None,
) -> None:
    """Serve the JSON API (/api/, described at /openapi.json and /docs)."""
    import uvicorn

    from web.app import create_app

    settings = _settings(ctx)
    host = host or settings.web_host
    if host not in {"127.0.0.1", "localhost", "::1"}:
        err.print(f"[yellow]warning:[/] serving on {escape(host)}, not loopback: anyone who "
                  "can reach it can read the coverage")
    uvicorn.run(create_app(settings), host=host, port=port or settings.web_port,
                log_level="warning")


@app.command()
def run(ctx: typer.Context) -> None:
    """Main job: ensure Elasticsearch is up, catch the index up, run the scheduler and web UI."""
    from index.node import LocalNode
    from index.sync import catch_up
    from pipeline.store import Store

    settings = _settings(ctx)
    stop = _stop_on_signals()  # before anything starts: a signal at any moment stops cleanly
    node = LocalNode(settings) if settings.managed_es else None
    started_here = bool(node and not node.healthy())
    try:
        es = connect(settings)
    except Exception as error:  # noqa: BLE001
        raise _fail(f"Elasticsearch: {error}") from error
    report = catch_up(Store.from_settings(settings), es, settings)
    err.print(f"Elasticsearch ready at {settings.es_endpoint}; caught up {report.indexed} "
              "documents.")
    web = _web_server(settings)
    err.print(f"Web UI on http://{settings.web_host}:{settings.web_port}/ "
              "(API at /api/, docs at /docs)")
    try:
        _run_scheduler(settings, stop, stopping=lambda: setattr(web, "should_exit", True))
    finally:
        if started_here and node:
            node.stop()
            err.print("stopped the Elasticsearch node this run started")


@app.command()
def schedule(ctx: typer.Context) -> None:
    """Run the scheduler in the foreground (crawls, digests, maintenance) until SIGINT/SIGTERM."""
    _run_scheduler(_settings(ctx), _stop_on_signals())


def _stop_on_signals() -> threading.Event:
    """An event that SIGINT or SIGTERM sets (the main job then stops what it started)."""
    done = threading.Event()

    def shutdown(signum: int, _frame: object) -> None:
        err.print(f"signal {signum}: stopping")
        done.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    return done


def _run_scheduler(settings: Settings, done: threading.Event,
                   stopping: Callable[[], None] | None = None) -> None:
    """Start the schedule from the config files, show it, and block until ``done``."""
    import scheduler as schedule_
    from crawlers.sources import SourceError
    from digests.subscriptions import SubscriptionError

    try:
        running, changes = schedule_.start(settings)
    except (SourceError, SubscriptionError) as error:
        raise _fail(str(error), 2) from error
    summary = ", ".join(f"{len(v)} {k}" for k, v in changes.items() if v)
    err.print(f"Scheduler running with {sum(map(len, changes.values())) - len(changes['removed'])}"
              f" jobs ({summary}); Ctrl-C to stop.")
    _print_jobs([{"id": j.id, "schedule": str(j.trigger), "next_run": j.next_run_time}
                 for j in running.get_jobs()])
    try:
        while not done.wait(1.0):
            pass
    finally:
        if stopping:
            stopping()
        schedule_.stop(running)
        err.print("scheduler stopped")


def _print_jobs(rows: list[dict], console: Console = err) -> None:
    table = Table(title="scheduled jobs")
    for column in ("job", "schedule", "next run (UTC)"):
        table.add_column(column)
    for row in sorted(rows, key=lambda r: r["id"]):
        table.add_row(escape(row["id"]), escape(row["schedule"]),
                      str(row["next_run"])[:19] if row["next_run"] else "paused")
    console.print(table)


def _web_server(settings: Settings):  # type: ignore[no-untyped-def]
    """The API beside the scheduler, in a thread of the main job (it stops with it)."""
    import threading

    import uvicorn

    from web.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings), host=settings.web_host,
                                           port=settings.web_port, log_level="warning"))
    server.install_signal_handlers = lambda: None  # the main job owns SIGINT/SIGTERM
    threading.Thread(target=server.run, name="web", daemon=True).start()
    return server


def main() -> None:
    app(prog_name="labourwatch")


if __name__ == "__main__":
    sys.exit(main())
