"""Keys and bearer tokens made at test time (nothing secret is stored in the repository).

``TestIssuer`` holds an EHR's key pair (EC P-384 or RSA), its public JWK Set as the service
configuration takes it, and mints tokens the way a CDS Client does (PyJWT).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import attrs
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from careengine.service.config import TrustedIssuer
from careengine.service.jwks import parse_jwks

NOW = datetime.fromisoformat("2026-03-02T10:00:00+00:00")
SERVICE_URL = "https://cds.clinic.example/cds-services/careengine-lbp"


@attrs.frozen(kw_only=True)
class TestIssuer:
    __test__ = False  # not a test class

    iss: str
    kid: str
    alg: str
    private_key: Any

    @classmethod
    def ec(cls, iss: str = "https://ehr.clinic.example", kid: str = "ehr-ec-1") -> TestIssuer:
        key = ec.generate_private_key(ec.SECP384R1())
        return cls(iss=iss, kid=kid, alg="ES384", private_key=key)

    @classmethod
    def rsa(cls, iss: str = "https://ehr.clinic.example", kid: str = "ehr-rsa-1") -> TestIssuer:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(iss=iss, kid=kid, alg="RS384", private_key=key)

    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        jwk: dict[str, Any] = json.loads(algorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.alg}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def public_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return bytes(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def trusted(self, *, jku: tuple[str, ...] = ()) -> TrustedIssuer:
        problems: list[Any] = []
        keys = parse_jwks(self.jwks(), file=None, path="jwks", problems=problems)
        assert not problems, problems
        return TrustedIssuer(iss=self.iss, keys=keys, jku=jku)

    def claims(self, **changes: Any) -> dict[str, Any]:
        """A valid claim set at ``NOW`` for ``SERVICE_URL``; a change to ``None`` drops a claim."""
        base: dict[str, Any] = {
            "iss": self.iss,
            "sub": "client-id",
            "aud": SERVICE_URL,
            "iat": int(NOW.timestamp()) - 5,
            "exp": int(NOW.timestamp()) + 300,
            "jti": str(uuid.uuid4()),
        }
        base.update(changes)
        return {k: v for k, v in base.items() if v is not None}

    def token(self, claims: dict[str, Any] | None = None, **headers: Any) -> str:
        """A signed token (``claims()`` by default); a header set to ``None`` is left out."""
        header = {"kid": self.kid, "typ": "JWT", **headers}
        header = {k: v for k, v in header.items() if v is not None}
        return jwt.encode(
            self.claims() if claims is None else claims,
            self.private_key,
            algorithm=self.alg,
            headers=header,
        )
