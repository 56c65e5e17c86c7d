"""The service configuration (careengine.service.config): the embedded defaults, the TOML file,
and every refusal naming the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from careengine.errors import ConfigurationError, Problem
from careengine.service.config import (
    DEFAULT_DATABASE,
    ServiceConfig,
    TrustedIssuer,
    is_loopback,
    load_config,
)
from tests.service.tokens import TestIssuer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "service" / "config.toml"
EC = TestIssuer.ec()


def load(path: Path | None, host: str = "127.0.0.1", **kwargs: str | None) -> ServiceConfig:
    return load_config(
        path,
        host=host,
        port=8080,
        database=kwargs.get("database"),
        base_url=kwargs.get("base_url"),
    )


def problems(path: Path | None, host: str = "127.0.0.1") -> list[Problem]:
    with pytest.raises(ConfigurationError) as caught:
        load(path, host)
    assert caught.value.exit_code == 2
    return list(caught.value.problems)


def write(tmp_path: Path, text: str, name: str = "service.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def issuer_toml(issuer: TestIssuer = EC, extra: str = "") -> str:
    keys = json.dumps(issuer.jwks())
    (jwk,) = json.loads(keys)["keys"]
    inline = ", ".join(f"{k} = {json.dumps(v)}" for k, v in jwk.items())
    return f'[[issuers]]\niss = "{issuer.iss}"\njwks = {{ keys = [ {{ {inline} }} ] }}\n{extra}'


def test_without_a_file_loopback_serves_without_authentication() -> None:
    config = load(None)
    assert config == ServiceConfig(
        base_url="http://127.0.0.1:8080",
        database=DEFAULT_DATABASE,
        max_request_bytes=1024 * 1024,
        require_auth=False,
        issuers=(),
        clock_skew_seconds=60,
    )
    assert DEFAULT_DATABASE == "sqlite:///careengine-service.db"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)
    assert load(None, host).require_auth is False


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "cds.clinic.example"])
def test_without_a_file_any_other_host_is_refused(host: str) -> None:
    assert not is_loopback(host)
    (problem,) = problems(None, host)
    assert "without authentication" in problem.message
    assert problem.path == "issuers"


def test_a_file_turning_authentication_off_is_refused_off_loopback(tmp_path: Path) -> None:
    path = write(tmp_path, "[service]\nrequire_auth = false\n" + issuer_toml())
    assert load(path).require_auth is False
    (problem,) = problems(path, "0.0.0.0")
    assert (problem.file, problem.path) == (str(path), "service.require_auth")


def test_a_file_requires_authentication_and_then_an_issuer(tmp_path: Path) -> None:
    path = write(tmp_path, '[service]\ndatabase = "sqlite:///x.db"\n')
    (problem,) = problems(path)
    assert problem.path == "issuers"
    assert "no issuer is trusted" in problem.message


def test_the_example_configuration_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # jwks_file is relative to the configuration file
    config = load(EXAMPLE, "0.0.0.0")
    assert config.require_auth is True
    assert config.base_url == "http://127.0.0.1:8080"
    (issuer,) = config.issuers
    assert issuer.iss == "https://ehr.clinic.example"
    assert issuer.algorithms == ("ES384", "RS384")
    assert issuer.jku == ("https://ehr.clinic.example/.well-known/jwks.json",)
    assert [(k.kid, k.kty, k.curve) for k in issuer.keys] == [("demo-ehr-2026", "EC", "P-384")]
    assert '"d"' not in (EXAMPLE.parent / "demo-ehr-jwks.json").read_text()


def test_a_full_file_and_the_command_line_overriding_it(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "ehr.json").write_text(json.dumps(EC.jwks()))
    path = write(
        tmp_path,
        '[service]\nbase_url = "https://cds.clinic.example/"\ndatabase = "sqlite:///a.db"\n'
        "max_request_bytes = 2048\nclock_skew_seconds = 0\n"
        f'[[issuers]]\niss = "{EC.iss}"\njwks_file = "keys/ehr.json"\nalgorithms = ["ES384"]\n',
    )
    config = load(path)
    assert (config.base_url, config.database) == ("https://cds.clinic.example", "sqlite:///a.db")
    assert (config.max_request_bytes, config.clock_skew_seconds) == (2048, 0)
    assert config.issuers == (
        TrustedIssuer(iss=EC.iss, keys=EC.trusted().keys, algorithms=("ES384",)),
    )
    given = load(path, database="postgresql://db/care", base_url="https://public.example/")
    assert (given.base_url, given.database) == ("https://public.example", "postgresql://db/care")


def test_inline_jwks_with_two_issuers(tmp_path: Path) -> None:
    other = TestIssuer.rsa(iss="https://other.example")
    config = load(write(tmp_path, issuer_toml() + issuer_toml(other)))
    assert [i.iss for i in config.issuers] == [EC.iss, other.iss]
    assert config.issuers[1].keys[0].kty == "RSA"


@pytest.mark.parametrize(
    ("text", "path", "suggestion"),
    [
        ('[service]\ndatabse = "sqlite:///x.db"\n', "service.databse", "database"),
        ("[servce]\n", "servce", "service"),
        ("[service]\nrequire_authentication = true\n", "service.require_authentication", None),
        ('algorithm = ["ES384"]\n', "issuers[0].algorithm", "algorithms"),
    ],
)
def test_unknown_keys_with_did_you_mean(
    tmp_path: Path, text: str, path: str, suggestion: str | None
) -> None:
    text = issuer_toml(extra=text) if text.startswith("algorithm") else text + issuer_toml()
    file = write(tmp_path, text)
    found = [p for p in problems(file) if p.path == path]
    assert len(found) == 1, problems(file)
    assert found[0].file == str(file)
    assert found[0].message.startswith("unknown key")
    assert found[0].suggestion == (suggestion or "require_auth")


@pytest.mark.parametrize(
    ("algorithm", "words", "suggestion"),
    [
        ("none", "unsigned", None),
        ("HS256", "symmetric", None),
        ("HS384", "symmetric", None),
        ("ES385", "unknown", "ES384"),
    ],
)
def test_refused_algorithms(
    tmp_path: Path, algorithm: str, words: str, suggestion: str | None
) -> None:
    path = write(tmp_path, issuer_toml(extra=f'algorithms = ["ES384", "{algorithm}"]\n'))
    (problem,) = problems(path)
    assert problem.path == "issuers[0].algorithms[1]"
    assert words in problem.message
    assert problem.suggestion == suggestion


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"d": "AAAA"}, "issuers[0].jwks.keys[0].d", "private"),
        ({"kty": "oct", "k": "c2VjcmV0"}, "issuers[0].jwks.keys[0].kty", "symmetric"),
        ({"kid": None}, "issuers[0].jwks.keys[0].kid", "kid"),
        ({"alg": "RS384"}, "issuers[0].jwks.keys[0].alg", "does not go with"),
        ({"x": "AAAA"}, "issuers[0].jwks.keys[0]", "not a usable public key"),
    ],
)
def test_refused_keys(tmp_path: Path, change: dict[str, str | None], path: str, words: str) -> None:
    jwk = {**EC.public_jwk(), **change}
    jwk = {k: v for k, v in jwk.items() if v is not None}
    inline = ", ".join(f"{k} = {json.dumps(v)}" for k, v in jwk.items())
    file = write(tmp_path, f'[[issuers]]\niss = "x"\njwks = {{ keys = [ {{ {inline} }} ] }}\n')
    found = problems(file)
    assert [p.path for p in found][:1] == [path], found
    assert words in found[0].message


def test_a_short_rsa_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    short = TestIssuer(
        iss="x",
        kid="k",
        alg="RS384",
        private_key=rsa.generate_private_key(public_exponent=65537, key_size=1024),
    )
    (tmp_path / "k.json").write_text(json.dumps(short.jwks()))
    (problem,) = problems(write(tmp_path, '[[issuers]]\niss = "x"\njwks_file = "k.json"\n'))
    assert problem.file == str(tmp_path / "k.json")
    assert "too short" in problem.message


@pytest.mark.parametrize(
    ("issuer", "path", "words"),
    [
        ('iss = "x"\n', "issuers[0]", "either jwks or jwks_file"),
        (
            'iss = "x"\njwks_file = "a.json"\njwks = { keys = [] }\n',
            "issuers[0]",
            "either jwks or jwks_file",
        ),
        ('iss = "x"\njwks_file = "missing.json"\n', "issuers[0].jwks_file", "cannot read"),
        ('iss = "x"\njwks = { keys = [] }\n', "issuers[0].jwks.keys", "no key"),
        ('iss = "x"\njwks = [1]\n', "issuers[0].jwks", "JWK Set"),
        ("jwks = { keys = [] }\n", "issuers[0].iss", "iss"),
        ('iss = "x"\njwks_file = "a.json"\njku = "https://x"\n', "issuers[0].jku", "array"),
    ],
)
def test_refused_issuers(tmp_path: Path, issuer: str, path: str, words: str) -> None:
    (tmp_path / "a.json").write_text(json.dumps(EC.jwks()))
    found = problems(write(tmp_path, "[[issuers]]\n" + issuer))
    assert path in [p.path for p in found], found
    assert any(words in p.message for p in found if p.path == path)


def test_an_issuer_given_twice_is_refused(tmp_path: Path) -> None:
    found = problems(write(tmp_path, issuer_toml() + issuer_toml()))
    assert [(p.path, "twice" in p.message) for p in found] == [("issuers[1].iss", True)]


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ('base_url = "ftp://x"', "service.base_url"),
        ('base_url = "https://x.example/?a=1"', "service.base_url"),
        ('database = ""', "service.database"),
        ('max_request_bytes = "1 MiB"', "service.max_request_bytes"),
        ("max_request_bytes = 10", "service.max_request_bytes"),
        ("clock_skew_seconds = -1", "service.clock_skew_seconds"),
        ("clock_skew_seconds = 3600", "service.clock_skew_seconds"),
        ("clock_skew_seconds = true", "service.clock_skew_seconds"),
        ('require_auth = "yes"', "service.require_auth"),
    ],
)
def test_bad_values(tmp_path: Path, service: str, path: str) -> None:
    found = problems(write(tmp_path, f"[service]\n{service}\n" + issuer_toml()))
    assert [p.path for p in found] == [path]
    assert found[0].file == str(tmp_path / "service.toml")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = '[service]\ndatabse = "x"\nclock_skew_seconds = -5\n[[issuers]]\niss = "x"\n'
    found = problems(write(tmp_path, text))
    assert [p.path for p in found] == [
        "service.databse",
        "issuers[0]",
        "service.clock_skew_seconds",
    ]
    with pytest.raises(ConfigurationError) as caught:
        load(write(tmp_path, text))
    lines = caught.value.lines()
    assert len(lines) == 3 and all(str(tmp_path) in line for line in lines)


@pytest.mark.parametrize("text", ["[service\n", "= 1\n"])
def test_a_file_that_is_not_toml(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    (problem,) = problems(path)
    assert (problem.file, problem.path) == (str(path), "$")
    assert "not valid TOML" in problem.message


def test_a_missing_file_or_a_directory(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path / "absent.toml")
    assert "cannot read" in problem.message
    (problem,) = problems(tmp_path)
    assert "not a regular file" in problem.message
