"""The public keys of a trusted issuer: a JWK Set (RFC 7517) read from the service configuration.

Each key is checked once, when the configuration loads, so that a key the service could never
verify with is a :class:`~careengine.errors.ConfigurationError` at start-up, not a refusal at
the first call. Only asymmetric signing algorithms are accepted: the CDS Hooks 2.0
specification ("Trusting CDS Clients", "JWT Signing Algorithm") forbids ``none`` and every
symmetric (HMAC) algorithm and recommends ES384 and RS384. A private key (a JWK with ``d``) is
refused: the service only ever needs the public half.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from careengine.errors import Problem, suggest

#: the algorithms an issuer may be allowed, each with the key type (and curve) it needs
SIGNING_ALGORITHMS: Mapping[str, tuple[str, str | None]] = {
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
}
#: what an issuer is allowed when its ``algorithms`` are not given (the spec's recommendation)
DEFAULT_ALGORITHMS = ("ES384", "RS384")
#: the smallest RSA modulus accepted, in bits
MIN_RSA_BITS = 2048
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


@attrs.frozen(kw_only=True)
class IssuerKey:
    """One public key of an issuer, as its JWK Set gives it."""

    #: the ``kid`` a token's header names to select this key (unique within the issuer)
    kid: str
    #: ``EC`` or ``RSA``
    kty: str
    #: the EC curve (``P-384``, ...), ``None`` for RSA
    curve: str | None
    #: the JWK's own ``alg`` when it gives one: then only that algorithm verifies with it
    alg: str | None
    #: the public JWK itself, as canonical JSON (sorted keys)
    jwk: str

    def fits(self, algorithm: str) -> bool:
        """Whether a token signed with ``algorithm`` can be verified with this key."""
        if self.alg is not None and self.alg != algorithm:
            return False
        kty, curve = SIGNING_ALGORITHMS.get(algorithm, ("", None))
        return kty == self.kty and (curve is None or curve == self.curve)

    def verifier(self) -> jwt.PyJWK:
        """The key as PyJWT verifies with it."""
        return jwt.PyJWK(json.loads(self.jwk))


def algorithm_problem(name: Any) -> tuple[str, str | None] | None:
    """Why ``name`` cannot be an allowed algorithm (message, suggestion), or ``None``."""
    if not isinstance(name, str):
        return "an algorithm is a string such as 'ES384'", None
    if name in SIGNING_ALGORITHMS:
        return None
    if name.lower() == "none":
        return "'none' is refused: an unsigned token proves nothing (CDS Hooks 2.0)", None
    if name.upper().startswith("HS"):
        return (
            f"{name!r} is refused: CDS Hooks 2.0 forbids symmetric (HMAC) algorithms, "
            "which would need the EHR and the service to share a secret",
            None,
        )
    return f"unknown signing algorithm {name!r}", suggest(name, SIGNING_ALGORITHMS)


def parse_jwks(
    value: Any, *, file: str | None, path: str, problems: list[Problem]
) -> tuple[IssuerKey, ...]:
    """The keys of a JWK Set (``{"keys": [...]}``); each problem is appended to ``problems``."""

    def problem(where: str, message: str, suggestion: str | None = None) -> None:
        problems.append(Problem(file=file, path=where, message=message, suggestion=suggestion))

    if not isinstance(value, Mapping) or not isinstance(value.get("keys"), list):
        problem(path, 'a JWK Set is a table with a "keys" array: {keys = [{kty = "EC", ...}]}')
        return ()
    for key in sorted(set(value) - {"keys"}):
        problem(f"{path}.{key}", f"unknown key {key!r}", suggest(key, ["keys"]))
    keys: list[IssuerKey] = []
    for index, raw in enumerate(value["keys"]):
        where = f"{path}.keys[{index}]"
        before = len(problems)
        key = _parse_key(raw, where=where, problem=problem)
        if key is None or len(problems) > before:
            continue
        if any(k.kid == key.kid for k in keys):
            problem(f"{where}.kid", f"kid {key.kid!r} appears twice: a kid must be unique")
            continue
        keys.append(key)
    if not value["keys"]:
        problem(f"{path}.keys", "the JWK Set has no key")
    return tuple(keys)


def _parse_key(raw: Any, *, where: str, problem: Any) -> IssuerKey | None:
    if not isinstance(raw, Mapping):
        problem(where, "a JWK is a table")
        return None
    kid, kty, alg = raw.get("kid"), raw.get("kty"), raw.get("alg")
    if not isinstance(kid, str) or not kid:
        problem(f"{where}.kid", "every key needs a kid (the token header names its key by it)")
    private = sorted(m for m in _PRIVATE_MEMBERS if m in raw)
    if kty == "oct":
        problem(f"{where}.kty", "a symmetric key ('oct') is refused (CDS Hooks 2.0)")
        return None
    if private:
        problem(
            f"{where}.{private[0]}",
            "this is a private (or secret) key: give the service only the public key",
        )
        return None
    if kty not in ("EC", "RSA"):
        hint = suggest(str(kty), ["EC", "RSA"])
        problem(f"{where}.kty", f"key type {kty!r} is not supported", hint)
        return None
    if alg is not None:
        reason = algorithm_problem(alg)
        if reason is None and SIGNING_ALGORITHMS[alg][0] != kty:
            reason = (f"algorithm {alg!r} does not go with key type {kty!r}", None)
        if reason is not None:
            problem(f"{where}.alg", *reason)
            return None
    try:
        verifier = jwt.PyJWK(dict(raw))
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        problem(where, f"not a usable public key: {exc}")
        return None
    public = verifier.key
    if isinstance(public, rsa.RSAPublicKey) and public.key_size < MIN_RSA_BITS:
        bits = public.key_size
        problem(where, f"an RSA key of {bits} bits is too short (at least {MIN_RSA_BITS})")
        return None
    if not isinstance(kid, str) or not kid:
        return None
    curve = raw.get("crv") if kty == "EC" else None
    return IssuerKey(
        kid=kid,
        kty=kty,
        curve=curve if isinstance(curve, str) else None,
        alg=alg,
        jwk=json.dumps(dict(raw), sort_keys=True, separators=(",", ":")),
    )
