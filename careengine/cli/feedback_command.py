"""``careengine feedback report``: which rules clinicians override most, from the service's
database (:mod:`careengine.service.store.report`; docs/cds-hooks.md, "Feedback report").

The store needs the ``service`` extra; it is imported only when the command runs, so the rest of
the command line works without it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from careengine.cli.app import cli, guarded
from careengine.errors import ConfigurationError

#: the modules of the service extra the store needs
_SERVICE_EXTRA = frozenset({"sqlalchemy", "psycopg", "psycopg_binary"})


@cli.group()
def feedback() -> None:
    """What clinicians did with the service's cards (needs careengine[service])."""


@feedback.command("report")
@click.option(
    "--database",
    "url",
    required=True,
    metavar="URL",
    help="The service's database, as given to careengine serve: sqlite:///PATH (serve's "
    "default: sqlite:///careengine-service.db) or postgresql://USER:PASSWORD@HOST:PORT/DB.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Count only the cards issued and the feedback received from this day on (UTC).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table, or JSON.",
)
@guarded
def feedback_report(url: str, since: datetime | None, fmt: str) -> None:
    """Which rules clinicians override most.

    Per rule: cards issued, feedback, accepted, overridden, override rate and the most common
    override reasons, the most overridden rule first. The database must
    exist: a report never creates one. See docs/cds-hooks.md."""
    try:
        from careengine.service.store import Store, render_text
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in _SERVICE_EXTRA:
            raise
        raise ConfigurationError(
            "feedback report needs the service extra: install careengine[service]"
        ) from exc
    with Store.open(url, create=False) as store:
        report = store.feedback_report(since=since.replace(tzinfo=UTC) if since else None)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(report), nl=False)
