"""The CDS Hooks bearer token check (careengine.service.auth): what is accepted, and each reason a
token is refused. Keys are generated at test time; the jti ledger is an in-memory set."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careengine.service.auth import AuthenticationError, Authenticator, Refusal
from careengine.service.config import ServiceConfig
from careengine.service.records import Caller
from tests.service.tokens import NOW, SERVICE_URL, TestIssuer

EC = TestIssuer.ec()
RSA = TestIssuer.rsa(iss="https://other-ehr.example", kid="other-1")
JKU = "https://ehr.clinic.example/jwks.json"


class MemoryLedger:
    def __init__(self) -> None:
        self.claimed: dict[tuple[str, str], datetime] = {}

    def claim_jti(self, *, issuer: str, jti: str, expires_at: datetime) -> bool:
        if (issuer, jti) in self.claimed:
            return False
        self.claimed[(issuer, jti)] = expires_at
        return True


def config(*, require_auth: bool = True, skew: int = 60) -> ServiceConfig:
    return ServiceConfig(
        base_url="https://cds.clinic.example",
        database="sqlite:///unused.db",
        require_auth=require_auth,
        issuers=(EC.trusted(jku=(JKU,)), RSA.trusted()),
        clock_skew_seconds=skew,
    )


def authenticate(
    authorization: str | None,
    *,
    ledger: MemoryLedger | None = None,
    now: datetime = NOW,
    skew: int = 60,
) -> Caller:
    authenticator = Authenticator(config(skew=skew), ledger or MemoryLedger())
    return authenticator.authenticate(authorization, audiences=[SERVICE_URL], now=now)


def refusal(authorization: str | None, **kwargs: Any) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        authenticate(authorization, **kwargs)
    return caught.value


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())


@pytest.mark.parametrize("issuer", [EC, RSA], ids=["ES384", "RS384"])
def test_a_valid_token_gives_the_caller_and_claims_its_jti(issuer: TestIssuer) -> None:
    ledger = MemoryLedger()
    claims = issuer.claims(tenant="clinic-7")
    caller = authenticate(f"Bearer {issuer.token(claims)}", ledger=ledger)
    assert caller == Caller(
        issuer=issuer.iss, subject="client-id", tenant="clinic-7", jti=claims["jti"]
    )
    assert caller.label == f"{issuer.iss} sub=client-id tenant=clinic-7"
    expires = datetime.fromtimestamp(claims["exp"] + 60, tz=NOW.tzinfo)
    assert ledger.claimed == {(issuer.iss, claims["jti"]): expires}


def test_an_audience_array_and_a_trusted_jku_and_a_lower_case_scheme_are_accepted() -> None:
    token = EC.token(EC.claims(aud=["https://elsewhere.example", SERVICE_URL]), jku=JKU)
    assert authenticate(f"bearer {token}").issuer == EC.iss


def test_without_required_authentication_the_header_is_not_looked_at() -> None:
    authenticator = Authenticator(config(require_auth=False), MemoryLedger())
    caller = authenticator.authenticate("Basic garbage", audiences=[SERVICE_URL], now=NOW)
    assert caller == Caller.development()


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, Refusal.MISSING_HEADER),
        ("", Refusal.MISSING_HEADER),
        ("   ", Refusal.MISSING_HEADER),
        ("Basic dXNlcjpwYXNz", Refusal.WRONG_SCHEME),
        ("Bearer", Refusal.MALFORMED),
        ("Bearer a b", Refusal.MALFORMED),
        ("Bearer not-a-jwt", Refusal.MALFORMED),
        ("Bearer a.b.c", Refusal.MALFORMED),
        ("Bearer " + "x" * 20000, Refusal.MALFORMED),
    ],
)
def test_header_refusals(authorization: str | None, reason: Refusal) -> None:
    assert refusal(authorization).reason is reason


def test_a_non_canonical_base64_segment_is_malformed() -> None:
    token = EC.token()
    header, claims, signature = token.split(".")
    assert refusal(f"Bearer {header}=.{claims}.{signature}").reason is Refusal.MALFORMED


def test_another_spelling_of_the_same_signature_is_refused() -> None:
    """A 2048-bit RSA signature is 256 bytes: its last base64url character carries 4 unused
    bits. Changing them decodes to the very same signature, which lenient decoders accept."""
    token = RSA.token()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    twin = token[:-1] + alphabet[last ^ 0b0001]
    assert base64.urlsafe_b64decode(twin.split(".")[2] + "==") == base64.urlsafe_b64decode(
        token.split(".")[2] + "=="
    )
    assert refusal(f"Bearer {twin}").reason is Refusal.MALFORMED


@pytest.mark.parametrize(
    ("claims", "headers", "reason", "claim"),
    [
        (EC.claims(iss="https://stranger.example"), {}, Refusal.UNTRUSTED_ISSUER, None),
        (EC.claims(iss=None), {}, Refusal.MISSING_CLAIM, "iss"),
        (EC.claims(), {"kid": "unknown-kid"}, Refusal.UNKNOWN_KEY, None),
        (EC.claims(), {"kid": None}, Refusal.UNKNOWN_KEY, None),
        (EC.claims(), {"jku": "https://attacker.example/jwks"}, Refusal.UNTRUSTED_JKU, None),
        (EC.claims(), {"typ": "dpop+jwt"}, Refusal.MALFORMED, None),
        (
            EC.claims(aud="https://cds.clinic.example/cds-services/other"),
            {},
            Refusal.WRONG_AUDIENCE,
            None,
        ),
        (EC.claims(aud=None), {}, Refusal.MISSING_CLAIM, "aud"),
        (EC.claims(aud=7), {}, Refusal.BAD_CLAIM, "aud"),
        (EC.claims(exp=None), {}, Refusal.MISSING_CLAIM, "exp"),
        (EC.claims(exp="tomorrow"), {}, Refusal.BAD_CLAIM, "exp"),
        (EC.claims(exp=True), {}, Refusal.BAD_CLAIM, "exp"),
        (EC.claims(exp=10**20), {}, Refusal.BAD_CLAIM, "exp"),
        (EC.claims(iat=None), {}, Refusal.MISSING_CLAIM, "iat"),
        (EC.claims(jti=None), {}, Refusal.MISSING_CLAIM, "jti"),
        (EC.claims(jti=""), {}, Refusal.BAD_CLAIM, "jti"),
        (EC.claims(jti="j" * 256), {}, Refusal.BAD_CLAIM, "jti"),
        (EC.claims(tenant=["a"]), {}, Refusal.BAD_CLAIM, "tenant"),
    ],
    ids=lambda v: None,
)
def test_claim_and_key_refusals(
    claims: dict[str, Any], headers: dict[str, Any], reason: Refusal, claim: str | None
) -> None:
    error = refusal(f"Bearer {EC.token(claims, **headers)}")
    assert (error.reason, error.claim) == (reason, claim)


def test_a_token_signed_by_another_key_of_the_same_kid_has_a_bad_signature() -> None:
    impostor = TestIssuer.ec(iss=EC.iss, kid=EC.kid)
    assert refusal(f"Bearer {impostor.token()}").reason is Refusal.BAD_SIGNATURE


def test_a_key_of_another_issuer_is_unknown() -> None:
    token = RSA.token(RSA.claims(iss=EC.iss))
    assert refusal(f"Bearer {token}").reason is Refusal.UNKNOWN_KEY


def test_alg_none_is_refused() -> None:
    token = unsigned({"alg": "none", "typ": "JWT", "kid": EC.kid}, EC.claims()) + "."
    assert refusal(f"Bearer {token}").reason is Refusal.ALGORITHM


def test_hs256_signed_with_the_public_key_as_secret_is_refused() -> None:
    """The classic confusion: the public key (which anyone has) used as an HMAC secret."""
    signing_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": EC.kid}, EC.claims())
    for secret in (EC.public_pem(), json.dumps(EC.public_jwk()).encode()):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert refusal(f"Bearer {signing_input}.{b64(mac)}").reason is Refusal.ALGORITHM


def test_an_algorithm_of_the_wrong_key_type_is_refused() -> None:
    """RS384 is allowed for the issuer, but its key is an EC key."""
    forged = unsigned({"alg": "RS384", "typ": "JWT", "kid": EC.kid}, EC.claims()) + ".c2ln"
    assert refusal(f"Bearer {forged}").reason is Refusal.ALGORITHM


def test_expiry_with_clock_skew() -> None:
    exp = int(NOW.timestamp())
    token = EC.token(EC.claims(exp=exp, iat=exp - 60))
    assert authenticate(f"Bearer {token}", now=NOW + timedelta(seconds=59)).issuer == EC.iss
    for seconds in (60, 3600):
        error = refusal(f"Bearer {token}", now=NOW + timedelta(seconds=seconds))
        assert error.reason is Refusal.EXPIRED
    assert refusal(f"Bearer {token}", skew=0).reason is Refusal.EXPIRED


def test_iat_in_the_future_beyond_the_skew_is_refused() -> None:
    at = int(NOW.timestamp())
    assert authenticate(f"Bearer {EC.token(EC.claims(iat=at + 60))}").issuer == EC.iss
    error = refusal(f"Bearer {EC.token(EC.claims(iat=at + 61))}")
    assert error.reason is Refusal.NOT_YET_VALID
    error = refusal(f"Bearer {EC.token(EC.claims(nbf=at + 120))}")
    assert error.reason is Refusal.NOT_YET_VALID


def test_a_replayed_jti_is_refused_and_a_refused_token_does_not_spend_its_jti() -> None:
    ledger = MemoryLedger()
    claims = EC.claims()
    wrong = EC.token({**claims, "aud": "https://elsewhere.example"})
    assert refusal(f"Bearer {wrong}", ledger=ledger).reason is Refusal.WRONG_AUDIENCE
    assert ledger.claimed == {}
    token = EC.token(claims)
    authenticate(f"Bearer {token}", ledger=ledger)
    assert refusal(f"Bearer {token}", ledger=ledger).reason is Refusal.REPLAYED
    # the same jti from another issuer is another token
    authenticate(f"Bearer {RSA.token(RSA.claims(jti=claims['jti']))}", ledger=ledger)


def test_the_refusal_text_never_echoes_the_token() -> None:
    token = EC.token(EC.claims(aud="https://cds.clinic.example/cds-services/x", jti="secret-jti"))
    error = refusal(f"Bearer {token}")
    for piece in (*token.split("."), "secret-jti", "cds-services/x"):
        assert piece not in str(error)
    assert str(error) == Refusal.WRONG_AUDIENCE.text


def test_now_must_be_timezone_aware() -> None:
    authenticator = Authenticator(config(), MemoryLedger())
    with pytest.raises(ValueError, match="timezone-aware"):
        authenticator.authenticate(
            f"Bearer {EC.token()}", audiences=[SERVICE_URL], now=NOW.replace(tzinfo=None)
        )


ISSUERS = {"ES384": EC, "RS384": RSA}
TOKENS = {name: issuer.token() for name, issuer in ISSUERS.items()}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(TOKENS)),
    data=st.data(),
)
def test_any_single_byte_change_of_a_valid_token_is_refused(name: str, data: st.DataObject) -> None:
    token = TOKENS[name]
    authenticate(f"Bearer {token}")  # the token itself is valid (a fresh ledger each time)
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1), label="position")
    byte = data.draw(
        st.integers(min_value=0x21, max_value=0x7E).filter(lambda b: b != ord(token[position])),
        label="byte",
    )
    changed = token[:position] + chr(byte) + token[position + 1 :]
    with pytest.raises(AuthenticationError) as caught:
        authenticate(f"Bearer {changed}")
    assert caught.value.reason is not Refusal.REPLAYED
