"""The service's configuration: one TOML file (``careengine serve --config FILE``), or the
embedded defaults when there is none (docs/cds-hooks.md, "Authentication").

```toml
[service]
base_url = "https://cds.clinic.example"   # the URL EHRs call: a token's aud is built on it
database = "sqlite:///var/careengine/service.db"
max_request_bytes = 1048576               # larger request bodies are refused (413)
require_auth = true                       # the default in a file
clock_skew_seconds = 60                   # leeway on exp and iat

[[issuers]]
iss = "https://ehr.clinic.example"
jwks_file = "ehr-jwks.json"               # relative to this file; or jwks = {keys = [...]}
algorithms = ["ES384", "RS384"]           # the default
jku = ["https://ehr.clinic.example/jwks"] # optional: the jku headers accepted (never fetched)
```

Without a file the service has no issuer, so it can only run without authentication, and that
only on a loopback host. A file that turns authentication off is refused on any other host too.
Values given on the command line (``--database``, ``--base-url``) win over the file's.
"""

from __future__ import annotations

import ipaddress
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

from careengine.errors import ConfigurationError, Problem, suggest
from careengine.io.regular_files import NotRegularFile, read_regular_file
from careengine.service.jwks import DEFAULT_ALGORITHMS, IssuerKey, algorithm_problem, parse_jwks

#: the database of a service started without one (a SQLite file in the working directory)
DEFAULT_DATABASE = "sqlite:///careengine-service.db"
#: the largest request body accepted by default (1 MiB)
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
#: the leeway on a token's ``exp`` and ``iat`` by default, in seconds
DEFAULT_CLOCK_SKEW_SECONDS = 60
#: the most leeway a configuration may give
MAX_CLOCK_SKEW_SECONDS = 600
#: host names that only the machine itself can reach
LOOPBACK_NAMES = frozenset({"localhost"})

SERVICE_KEYS = ("base_url", "clock_skew_seconds", "database", "max_request_bytes", "require_auth")
ISSUER_KEYS = ("algorithms", "iss", "jku", "jwks", "jwks_file")
TOP_KEYS = ("issuers", "service")


@attrs.frozen(kw_only=True)
class TrustedIssuer:
    """An EHR (CDS Client) whose tokens the service accepts, with its public keys."""

    #: the token's ``iss`` claim, compared exactly
    iss: str
    keys: tuple[IssuerKey, ...]
    #: the ``alg`` header values accepted from this issuer
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    #: the ``jku`` header values accepted (a token without ``jku`` is accepted too); never fetched
    jku: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class ServiceConfig:
    """Everything the service needs to know before it takes its first call."""

    #: the public URL clients call, without a trailing slash; a token's ``aud`` is
    #: ``{base_url}/cds-services/{id}``
    base_url: str
    #: ``sqlite:///PATH`` or ``postgresql://...``
    database: str
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    require_auth: bool = True
    issuers: tuple[TrustedIssuer, ...] = ()
    clock_skew_seconds: int = DEFAULT_CLOCK_SKEW_SECONDS


def is_loopback(host: str) -> bool:
    """Whether ``host`` can only be reached from this machine (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def load_config(
    path: Path | None,
    *,
    host: str,
    port: int,
    database: str | None,
    base_url: str | None,
) -> ServiceConfig:
    """The configuration of a service bound to ``host``:``port``: the file's (``path``), or the
    embedded defaults when ``path`` is ``None``; ``database`` and ``base_url``, when given, win.

    :raises ConfigurationError: every problem at once, each naming the file and the key: an
        unreadable file, an unknown key (with a "did you mean"), a bad value, a key set that is
        not a usable public JWK Set, or a service without authentication on a non-loopback host.
    """
    problems: list[Problem] = []
    file = str(path) if path is not None else None
    data: Mapping[str, Any] = {} if path is None else _read_toml(path)
    for key in sorted(set(data) - set(TOP_KEYS)):
        problems.append(_unknown(file, key, key, TOP_KEYS))
    service = _table(data, "service", file, problems)
    for key in sorted(set(service) - set(SERVICE_KEYS)):
        problems.append(_unknown(file, f"service.{key}", key, SERVICE_KEYS))
    issuers = _issuers(data.get("issuers", []), path, problems)

    def value(key: str, kind: type, default: Any) -> Any:
        found = service.get(key, default)
        if not isinstance(found, kind) or (kind is int and isinstance(found, bool)):
            problems.append(_problem(file, f"service.{key}", f"must be a {kind.__name__}"))
            return default
        return found

    url = base_url if base_url is not None else value("base_url", str, f"http://{host}:{port}")
    url = _base_url(url, file if base_url is None else None, problems)
    db = database if database is not None else value("database", str, DEFAULT_DATABASE)
    if not db.strip():
        where = file if database is None else None
        problems.append(_problem(where, "service.database", "is empty"))
    size = value("max_request_bytes", int, DEFAULT_MAX_REQUEST_BYTES)
    if size < 1024:
        problems.append(_problem(file, "service.max_request_bytes", "must be at least 1024"))
    skew = value("clock_skew_seconds", int, DEFAULT_CLOCK_SKEW_SECONDS)
    if not 0 <= skew <= MAX_CLOCK_SKEW_SECONDS:
        problems.append(
            _problem(file, "service.clock_skew_seconds", f"must be 0 to {MAX_CLOCK_SKEW_SECONDS}")
        )
    require_auth = value("require_auth", bool, path is not None)
    if require_auth and not issuers and not problems:
        problems.append(
            _problem(
                file,
                "issuers",
                "authentication is required but no issuer is trusted: add an [[issuers]] table "
                "(or set service.require_auth = false on a loopback host)",
            )
        )
    if not require_auth and not is_loopback(host):
        problems.append(
            _problem(
                file,
                "service.require_auth" if path is not None else "issuers",
                f"refusing to serve {host!r} without authentication: only a loopback host "
                "(127.0.0.1, ::1, localhost) may; give a configuration file with [[issuers]]",
            )
        )
    if problems:
        raise ConfigurationError("invalid service configuration", file=file, problems=problems)
    return ServiceConfig(
        base_url=url,
        database=db,
        max_request_bytes=size,
        require_auth=require_auth,
        issuers=issuers,
        clock_skew_seconds=skew,
    )


def _problem(file: str | None, path: str, message: str, suggestion: str | None = None) -> Problem:
    return Problem(file=file, path=path, message=message, suggestion=suggestion)


def _unknown(file: str | None, path: str, key: str, known: tuple[str, ...]) -> Problem:
    return _problem(file, path, f"unknown key {key!r}", suggest(key, known))


def _read_toml(path: Path) -> Mapping[str, Any]:
    try:
        return tomllib.loads(read_regular_file(path).decode("utf-8"))
    except NotRegularFile as exc:
        message = f"not a regular file ({exc})"
    except (OSError, UnicodeDecodeError) as exc:
        message = f"cannot read the configuration: {exc}"
    except tomllib.TOMLDecodeError as exc:
        message = f"not valid TOML: {exc}"
    raise ConfigurationError(
        "cannot read the service configuration",
        file=str(path),
        problems=[_problem(str(path), "$", message)],
    )


def _table(
    data: Mapping[str, Any], key: str, file: str | None, problems: list[Problem]
) -> Mapping[str, Any]:
    found = data.get(key, {})
    if isinstance(found, Mapping):
        return found
    problems.append(_problem(file, key, f"must be a table: [{key}]"))
    return {}


def _base_url(url: str, file: str | None, problems: list[Problem]) -> str:
    url = url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        problems.append(
            _problem(
                file,
                "service.base_url",
                f"{url!r} is not an http(s) URL without query or fragment, such as "
                "'https://cds.clinic.example'",
            )
        )
    return url


def _issuers(raw: Any, path: Path | None, problems: list[Problem]) -> tuple[TrustedIssuer, ...]:
    file = str(path) if path is not None else None
    if not isinstance(raw, list):
        problems.append(_problem(file, "issuers", "must be an array of tables: [[issuers]]"))
        return ()
    issuers: list[TrustedIssuer] = []
    for index, entry in enumerate(raw):
        where = f"issuers[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(_problem(file, where, "must be a table"))
            continue
        before = len(problems)
        issuer = _issuer(entry, where, path, problems)
        if issuer is None or len(problems) > before:
            continue
        if any(i.iss == issuer.iss for i in issuers):
            problems.append(_problem(file, f"{where}.iss", f"issuer {issuer.iss!r} appears twice"))
            continue
        issuers.append(issuer)
    return tuple(issuers)


def _issuer(
    entry: Mapping[str, Any], where: str, path: Path | None, problems: list[Problem]
) -> TrustedIssuer | None:
    file = str(path) if path is not None else None
    for key in sorted(set(entry) - set(ISSUER_KEYS)):
        problems.append(_unknown(file, f"{where}.{key}", key, ISSUER_KEYS))
    iss = entry.get("iss")
    if not isinstance(iss, str) or not iss:
        problems.append(_problem(file, f"{where}.iss", "every issuer needs its iss (a string)"))
    algorithms = entry.get("algorithms", list(DEFAULT_ALGORITHMS))
    if not isinstance(algorithms, list) or not algorithms:
        problems.append(_problem(file, f"{where}.algorithms", "must be a non-empty array"))
        algorithms = []
    for i, name in enumerate(algorithms):
        reason = algorithm_problem(name)
        if reason is not None:
            problems.append(_problem(file, f"{where}.algorithms[{i}]", *reason))
    jku = entry.get("jku", [])
    if not isinstance(jku, list) or not all(isinstance(u, str) and u for u in jku):
        problems.append(_problem(file, f"{where}.jku", "must be an array of URLs"))
        jku = []
    keys = _keys(entry, where, path, problems)
    if not isinstance(iss, str) or not iss:
        return None
    usable = [a for a in algorithms if any(k.fits(a) for k in keys)]
    if keys and algorithms and not usable:
        problems.append(
            _problem(file, f"{where}.algorithms", "no key of the issuer fits any of its algorithms")
        )
    return TrustedIssuer(
        iss=iss, keys=keys, algorithms=tuple(sorted(set(algorithms))), jku=tuple(sorted(jku))
    )


def _keys(
    entry: Mapping[str, Any], where: str, path: Path | None, problems: list[Problem]
) -> tuple[IssuerKey, ...]:
    file = str(path) if path is not None else None
    inline, named = entry.get("jwks"), entry.get("jwks_file")
    if (inline is None) == (named is None):
        problems.append(
            _problem(file, where, "give the issuer's public keys as either jwks or jwks_file")
        )
        return ()
    if inline is not None:
        return parse_jwks(inline, file=file, path=f"{where}.jwks", problems=problems)
    if not isinstance(named, str) or not named:
        problems.append(_problem(file, f"{where}.jwks_file", "must be a path"))
        return ()
    target = Path(named) if path is None else path.parent / named
    try:
        data = json.loads(read_regular_file(target).decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, NotRegularFile) as exc:
        problems.append(_problem(file, f"{where}.jwks_file", f"cannot read {str(target)!r}: {exc}"))
        return ()
    return parse_jwks(data, file=str(target), path="$", problems=problems)
