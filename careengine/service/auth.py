"""Who is calling: the CDS Hooks 2.0 bearer token (a JWT the EHR signs) checked against the
configuration's trusted issuers (docs/cds-hooks.md, "Authentication").

A token is accepted only when all of these hold, checked in this order:

1. an ``Authorization: Bearer <jwt>`` header, the JWT in compact form with canonical base64url
   (so that no two spellings of one signature exist);
2. its ``iss`` is a configured issuer, its header ``alg`` one the issuer is allowed (never
   ``none`` nor an HMAC algorithm: the configuration refuses them), its ``jku``, when given, one
   the configuration lists for that issuer (it is never fetched: nothing is downloaded at run
   time), and its ``kid`` names one of the issuer's keys, of the algorithm's type;
3. the signature verifies with that key;
4. ``aud`` (a string or an array) holds one of the audiences the caller gives (the exact URL
   called, ``{base_url}/cds-services/{id}``); ``exp`` is present and not passed and ``iat`` is
   present and not in the future (both with ``clock_skew_seconds`` of leeway; ``nbf`` when
   given); ``jti`` is present;
5. the ``jti`` has not been seen from this issuer before (:class:`JtiLedger`), so that a token
   is good for one call only.

Every refusal is an :class:`AuthenticationError` whose message is one of the fixed
:class:`Refusal` texts (never a piece of the token), safe to return in a 401. Time comes from
the caller (``now``), never from the wall clock here.
"""

from __future__ import annotations

import binascii
import enum
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import jwt
from jwt.utils import base64url_decode, base64url_encode

from careengine.errors import CareEngineError
from careengine.service.config import ServiceConfig, TrustedIssuer
from careengine.service.jwks import IssuerKey
from careengine.service.records import Caller

#: the longest token looked at (a bearer token of a few hundred bytes is usual)
MAX_TOKEN_CHARS = 16 * 1024
#: the longest ``jti`` accepted (the ledger keeps it)
MAX_JTI_CHARS = 255


class JtiLedger(Protocol):
    """Where the ``jti`` of each accepted token is kept (``Store.claim_jti``)."""

    def claim_jti(self, *, issuer: str, jti: str, expires_at: datetime) -> bool:
        """True the first time ``jti`` is claimed for ``issuer``; False for a replay.
        ``expires_at`` is when the token stops being acceptable: the entry may go after it."""
        ...


class Refusal(enum.StrEnum):
    """Why a token was refused: a short code, and the text sent back (:attr:`text`)."""

    MISSING_HEADER = "missing-header"
    WRONG_SCHEME = "wrong-scheme"
    MALFORMED = "malformed"
    UNTRUSTED_ISSUER = "untrusted-issuer"
    ALGORITHM = "algorithm"
    UNTRUSTED_JKU = "untrusted-jku"
    UNKNOWN_KEY = "unknown-key"
    BAD_SIGNATURE = "bad-signature"
    WRONG_AUDIENCE = "wrong-audience"
    MISSING_CLAIM = "missing-claim"
    BAD_CLAIM = "bad-claim"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    REPLAYED = "replayed"

    @property
    def text(self) -> str:
        return _TEXTS[self]


_TEXTS: Mapping[Refusal, str] = {
    Refusal.MISSING_HEADER: "missing Authorization header",
    Refusal.WRONG_SCHEME: "the Authorization scheme must be Bearer",
    Refusal.MALFORMED: "malformed bearer token",
    Refusal.UNTRUSTED_ISSUER: "token issuer (iss) is not trusted",
    Refusal.ALGORITHM: "token signing algorithm (alg) is not accepted for this issuer and key",
    Refusal.UNTRUSTED_JKU: "token jku is not one configured for this issuer",
    Refusal.UNKNOWN_KEY: "token key id (kid) is not one of the issuer's keys",
    Refusal.BAD_SIGNATURE: "token signature does not verify",
    Refusal.WRONG_AUDIENCE: "token audience (aud) is not this service's URL",
    Refusal.MISSING_CLAIM: "token lacks a required claim",
    Refusal.BAD_CLAIM: "token claim has a wrong type or value",
    Refusal.EXPIRED: "token expired (exp)",
    Refusal.NOT_YET_VALID: "token issued in the future (iat or nbf)",
    Refusal.REPLAYED: "token already used (jti replay)",
}


class AuthenticationError(CareEngineError):
    """A request without an acceptable bearer token (HTTP 401). ``str()`` is safe to send back:
    a fixed text, with at most the name of a claim; never a piece of the token."""

    exit_code = 2

    def __init__(self, reason: Refusal, *, claim: str | None = None) -> None:
        self.reason = reason
        self.claim = claim
        text = reason.text if claim is None else f"{reason.text}: {claim}"
        super().__init__(text)


class Authenticator:
    """Checks the bearer token of each call (thread-safe: it keeps no per-call state)."""

    def __init__(self, config: ServiceConfig, ledger: JtiLedger) -> None:
        self._require = config.require_auth
        self._skew = config.clock_skew_seconds
        self._ledger = ledger
        self._issuers: dict[str, TrustedIssuer] = {i.iss: i for i in config.issuers}
        self._keys: dict[tuple[str, str], tuple[IssuerKey, Any]] = {
            (i.iss, k.kid): (k, k.verifier().key) for i in config.issuers for k in i.keys
        }

    def authenticate(
        self, authorization: str | None, *, audiences: Sequence[str], now: datetime
    ) -> Caller:
        """The caller the ``Authorization`` header proves, at time ``now`` (timezone-aware),
        for a call whose token must name one of ``audiences``.

        :raises AuthenticationError: the token is missing or not acceptable (see the module).
        """
        if not self._require:
            return Caller.development()
        if now.tzinfo is None:
            raise ValueError("now must be a timezone-aware datetime")
        token = _bearer(authorization)
        header, claims = _unverified(token)
        issuer = self._issuer(claims)
        key = self._key(header, issuer)
        algorithm = str(header["alg"])
        try:
            verified = jwt.PyJWS().decode_complete(token, key=key, algorithms=[algorithm])
            claims = json.loads(verified["payload"])
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise AuthenticationError(Refusal.BAD_SIGNATURE) from exc
        if not isinstance(claims, dict) or claims.get("iss") != issuer.iss:
            raise AuthenticationError(Refusal.MALFORMED)
        _check_audience(claims, audiences)
        expires_at = self._check_times(claims, now)
        jti = _string_claim(claims, "jti", required=True)
        if len(jti) > MAX_JTI_CHARS:
            raise AuthenticationError(Refusal.BAD_CLAIM, claim="jti")
        subject = _string_claim(claims, "sub", required=False) or None
        tenant = _string_claim(claims, "tenant", required=False) or None
        if not self._ledger.claim_jti(issuer=issuer.iss, jti=jti, expires_at=expires_at):
            raise AuthenticationError(Refusal.REPLAYED)
        return Caller(issuer=issuer.iss, subject=subject, tenant=tenant, jti=jti)

    def _issuer(self, claims: Mapping[str, Any]) -> TrustedIssuer:
        iss = claims.get("iss")
        if iss is None:
            raise AuthenticationError(Refusal.MISSING_CLAIM, claim="iss")
        issuer = self._issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise AuthenticationError(Refusal.UNTRUSTED_ISSUER)
        return issuer

    def _key(self, header: Mapping[str, Any], issuer: TrustedIssuer) -> Any:
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in issuer.algorithms:
            raise AuthenticationError(Refusal.ALGORITHM)
        if "jku" in header and header["jku"] not in issuer.jku:
            raise AuthenticationError(Refusal.UNTRUSTED_JKU)
        kid = header.get("kid")
        found = self._keys.get((issuer.iss, kid)) if isinstance(kid, str) else None
        if found is None:
            raise AuthenticationError(Refusal.UNKNOWN_KEY)
        key, verifier = found
        if not key.fits(algorithm):
            raise AuthenticationError(Refusal.ALGORITHM)
        return verifier

    def _check_times(self, claims: Mapping[str, Any], now: datetime) -> datetime:
        """When the token stops being acceptable (``exp`` plus the leeway)."""
        at = now.timestamp()
        exp = _required_time(claims, "exp")
        iat = _required_time(claims, "iat")
        nbf = _time_claim(claims, "nbf", required=False)
        if at >= exp + self._skew:
            raise AuthenticationError(Refusal.EXPIRED)
        if iat > at + self._skew or (nbf is not None and nbf > at + self._skew):
            raise AuthenticationError(Refusal.NOT_YET_VALID)
        try:
            return datetime.fromtimestamp(exp + self._skew, tz=UTC)
        except (OverflowError, ValueError, OSError) as exc:
            raise AuthenticationError(Refusal.BAD_CLAIM, claim="exp") from exc


def _bearer(authorization: str | None) -> str:
    if authorization is None or not authorization.strip():
        raise AuthenticationError(Refusal.MISSING_HEADER)
    parts = authorization.split()
    if parts[0].lower() != "bearer":
        raise AuthenticationError(Refusal.WRONG_SCHEME)
    if len(parts) != 2 or len(parts[1]) > MAX_TOKEN_CHARS:
        raise AuthenticationError(Refusal.MALFORMED)
    return parts[1]


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a compact JWS, not yet trusted; each segment must be canonical
    base64url and the header and claims JSON objects."""
    segments = token.split(".")
    if len(segments) != 3 or not all(segments[:2]):
        raise AuthenticationError(Refusal.MALFORMED)
    try:
        decoded = [base64url_decode(s) for s in segments]
        if any(
            base64url_encode(d).decode("ascii") != s for d, s in zip(decoded, segments, strict=True)
        ):
            raise ValueError("not canonical base64url")
        header, claims = json.loads(decoded[0]), json.loads(decoded[1])
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise AuthenticationError(Refusal.MALFORMED) from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise AuthenticationError(Refusal.MALFORMED)
    if "crit" in header or str(header.get("typ", "JWT")).upper() != "JWT":
        raise AuthenticationError(Refusal.MALFORMED)
    return header, claims


def _check_audience(claims: Mapping[str, Any], audiences: Sequence[str]) -> None:
    aud = claims.get("aud")
    if aud is None:
        raise AuthenticationError(Refusal.MISSING_CLAIM, claim="aud")
    named = [aud] if isinstance(aud, str) else aud
    if not isinstance(named, list) or not all(isinstance(a, str) for a in named):
        raise AuthenticationError(Refusal.BAD_CLAIM, claim="aud")
    if not set(named) & set(audiences):
        raise AuthenticationError(Refusal.WRONG_AUDIENCE)


def _time_claim(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise AuthenticationError(Refusal.MISSING_CLAIM, claim=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AuthenticationError(Refusal.BAD_CLAIM, claim=name)
    return float(value)


def _required_time(claims: Mapping[str, Any], name: str) -> float:
    value = _time_claim(claims, name, required=True)
    if value is None:  # pragma: no cover - _time_claim raises first
        raise AuthenticationError(Refusal.MISSING_CLAIM, claim=name)
    return value


def _string_claim(claims: Mapping[str, Any], name: str, *, required: bool) -> str:
    value = claims.get(name)
    if value is None:
        if required:
            raise AuthenticationError(Refusal.MISSING_CLAIM, claim=name)
        return ""
    if not isinstance(value, str) or (required and not value):
        raise AuthenticationError(Refusal.BAD_CLAIM, claim=name)
    if not value.isprintable():  # a control character (NUL, a newline) is audited as it is
        raise AuthenticationError(Refusal.BAD_CLAIM, claim=name)
    return value
