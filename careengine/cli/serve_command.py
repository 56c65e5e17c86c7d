"""``careengine serve``: the CDS Hooks 2.0 service (docs/cds-hooks.md), with the ``service`` extra.

The command builds, in order, the configuration (``--config`` TOML file or the embedded
defaults, with ``--host``, ``--port``, ``--database`` and ``--base-url`` on top), the engine (the
same options as ``evaluate``: one engine for the whole process), the store (created and migrated
on first use) and the application, then serves it under uvicorn until SIGINT or SIGTERM, and
closes the store. Without the extra it exits 2 with one line; a configuration error exits 2
with one line per problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from careengine.cli.app import PlanChoice, build_engine, cli, engine_options, guarded, plan_options
from careengine.errors import ConfigurationError

SERVICE_MODULES = ("fastapi", "uvicorn", "jwt", "sqlalchemy")


def service_extra_missing() -> bool:
    """Whether a module of the ``service`` extra fails to import."""
    for name in SERVICE_MODULES:
        try:
            __import__(name)
        except ImportError:
            return True
    return False


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port."
)
@click.option(
    "--database",
    metavar="URL",
    default=None,
    help="sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB (default: the "
    "configuration's, else sqlite:///careengine-service.db in the working directory).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Service configuration (TOML): trusted issuers and their keys, limits, database. "
    "Without it: no authentication, allowed on a loopback host only.",
)
@click.option(
    "--base-url",
    metavar="URL",
    default=None,
    help="The public URL clients call (a token's aud names it); default http://HOST:PORT.",
)
@engine_options
@plan_options
@guarded
def serve(
    host: str,
    port: int,
    database: str | None,
    config_path: Path | None,
    base_url: str | None,
    rules: Sequence[Path],
    plugins: Sequence[str],
    backend: str,
    choice: PlanChoice,
) -> None:
    """Serve the CDS Hooks 2.0 service (discovery, patient-view cards, feedback).

    Listens on http://HOST:PORT/cds-services until Ctrl+C or SIGTERM; needs careengine[service].
    See docs/cds-hooks.md."""
    if service_extra_missing():
        raise ConfigurationError("install careengine[service]")
    from careengine.service.app import create_app
    from careengine.service.config import load_config
    from careengine.service.server import run_server
    from careengine.service.store import Store

    config = load_config(config_path, host=host, port=port, database=database, base_url=base_url)
    engine = build_engine(rules, plugins, backend, choice=choice)
    store = Store.open(config.database)
    try:
        app = create_app(config=config, engine=engine, store=store)
    except BaseException:
        store.close()
        raise
    click.echo(f"careengine serve: {config.base_url}/cds-services", err=True)

    def stop() -> None:
        store.close()
        engine.close()

    run_server(app, host=host, port=port, service_ids=app.state.careengine.services, on_stop=stop)
