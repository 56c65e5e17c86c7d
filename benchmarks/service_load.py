"""``make bench-service``: a bounded load test of the CDS Hooks service (docs/performance.md).

Starts the real server (``careengine serve``: uvicorn, one process, on a free loopback port) with
authentication on (an EC P-384 key made for the run, its public half in a temporary
configuration) and a SQLite store in a temporary directory (or the database ``--database``
names, e.g. a throwaway PostgreSQL database), then sends a fixed number of
``patient-view`` calls (``examples/service/patient-view-request.json``, each with its own
``hookInstance`` and a fresh token) from 8 client threads, each on one keep-alive connection.
Reports requests per second, p50/p95/p99 latency and errors; the tokens are signed before the
clock starts. Every call is audited in the store, as in production.

Usage: ``python -m benchmarks.service_load [--requests 400] [--clients 8] [--database URL]
[--out FILE]``.
Needs the ``service`` extra.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REQUEST = ROOT / "examples" / "service" / "patient-view-request.json"
SERVICE_ID = "careengine-lbp-plan"
ISSUER = "https://ehr.bench.example"
KID = "bench-1"
WARM_UP = 16
STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Issuer:
    """A key pair made for the run, and tokens signed with it."""

    def __init__(self) -> None:
        import jwt
        from cryptography.hazmat.primitives.asymmetric import ec

        self._jwt = jwt
        self.key = ec.generate_private_key(ec.SECP384R1())
        public = json.loads(jwt.get_algorithm_by_name("ES384").to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**public, "kid": KID, "use": "sig", "alg": "ES384"}]}

    def token(self, audience: str) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "iat": now,
            "exp": now + 600,
            "jti": str(uuid.uuid4()),
        }
        token: str = self._jwt.encode(
            claims, self.key, algorithm="ES384", headers={"kid": KID, "typ": "JWT"}
        )
        return token


def _start(
    directory: Path, issuer: _Issuer, port: int, database: str | None
) -> subprocess.Popen[bytes]:
    (directory / "jwks.json").write_text(json.dumps(issuer.jwks), encoding="utf-8")
    config = directory / "service.toml"
    url = database or f"sqlite:///{directory / 'service.sqlite'}"
    config.write_text(
        f'[service]\nbase_url = "http://127.0.0.1:{port}"\n'
        f"database = {json.dumps(url)}\nrequire_auth = true\n\n"
        f'[[issuers]]\niss = "{ISSUER}"\njwks_file = "jwks.json"\nalgorithms = ["ES384"]\n',
        encoding="utf-8",
    )
    script = Path(sys.executable).parent / "careengine"
    command = [str(script), "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = (directory / "server.log").open("wb")
    env = {**os.environ, "CAREENGINE_DISABLE_PLUGINS": "clinic_example"}
    process = subprocess.Popen([*command, "--config", str(config)], stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"careengine serve exited {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("careengine serve did not start listening")


def _client(
    port: int, jobs: list[tuple[str, bytes]], latencies: list[float], statuses: list[int]
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    path = f"/cds-services/{SERVICE_ID}"
    try:
        for token, body in jobs:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            began = time.perf_counter()
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - began)
            statuses.append(response.status)
    finally:
        connection.close()


def _bodies(count: int) -> list[bytes]:
    base = json.loads(REQUEST.read_text(encoding="utf-8"))
    return [json.dumps({**base, "hookInstance": str(uuid.uuid4())}).encode() for _ in range(count)]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def _store_name(database: str | None) -> str:
    return "PostgreSQL" if database and database.startswith("postgresql") else "SQLite"


def measure(requests: int = 400, clients: int = 8, database: str | None = None) -> dict[str, Any]:
    """Run the load test; the figures as a dict (milliseconds, requests per second).
    ``database``: the store's URL (default: a SQLite file in a temporary directory)."""
    issuer = _Issuer()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/cds-services/{SERVICE_ID}"
    with tempfile.TemporaryDirectory(prefix="careengine-service-bench-") as tmp:
        process = _start(Path(tmp), issuer, port, database)
        try:
            warm: list[float] = []
            _client(
                port,
                list(
                    zip([issuer.token(url) for _ in range(WARM_UP)], _bodies(WARM_UP), strict=True)
                ),
                warm,
                [],
            )
            jobs = list(
                zip([issuer.token(url) for _ in range(requests)], _bodies(requests), strict=True)
            )
            shares = [jobs[n::clients] for n in range(clients)]
            latencies: list[list[float]] = [[] for _ in range(clients)]
            statuses: list[list[int]] = [[] for _ in range(clients)]
            threads = [
                threading.Thread(target=_client, args=(port, shares[n], latencies[n], statuses[n]))
                for n in range(clients)
            ]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - began
        finally:
            process.send_signal(signal.SIGINT)
            returncode = process.wait(timeout=60)
    every = [x for part in latencies for x in part]
    codes = [s for part in statuses for s in part]
    return {
        "requests": requests,
        "clients": clients,
        "seconds": round(elapsed, 3),
        "requests_per_second": round(len(every) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(every), 1),
        "p95_ms": round(1000 * _percentile(every, 0.95), 1),
        "p99_ms": round(1000 * _percentile(every, 0.99), 1),
        "errors": sum(1 for s in codes if s != 200) + (requests - len(codes)),
        "server_exit_code": returncode,
        "server": (
            f"careengine serve: uvicorn, 1 process, {_store_name(database)} store, "
            "authentication on"
        ),
    }


def report(figures: dict[str, Any]) -> str:
    return (
        f"CDS Hooks service, patient-view: {figures['requests']} calls from "
        f"{figures['clients']} clients in {figures['seconds']} s: "
        f"{figures['requests_per_second']} requests/s, p50 {figures['p50_ms']} ms, "
        f"p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms, {figures['errors']} errors "
        f"({figures['server']})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.service_load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--database",
        default=None,
        help="the store's URL (default: SQLite in a temporary directory); its data are kept",
    )
    parser.add_argument("--out", default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args.requests, args.clients, args.database)
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(report(figures))


if __name__ == "__main__":
    main()
