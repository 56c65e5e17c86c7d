"""docs/cds-hooks.md, "Authentication": the token-minting script works with the example
configuration, and the refusal table lists every refusal the service can give."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from careengine.service.auth import Authenticator, Refusal
from careengine.service.config import load_config

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cds-hooks.md"


def section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Authentication\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


class Ledger:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def claim_jti(self, *, issuer: str, jti: str, expires_at: datetime) -> bool:
        fresh = jti not in self.seen
        self.seen.add(jti)
        return fresh


def test_the_minting_script_makes_tokens_the_example_configuration_accepts(tmp_path: Path) -> None:
    (script,) = re.findall(r"```python\n(.*?)```", section(), flags=re.DOTALL)
    (tmp_path / "mint_token.py").write_text(script, encoding="utf-8")
    (tmp_path / "trial").mkdir()
    shutil.copy(ROOT / "examples" / "service" / "config.toml", tmp_path / "trial")
    url = "http://127.0.0.1:8080/cds-services/some-service"

    def mint() -> str:
        result = subprocess.run(
            [sys.executable, "mint_token.py", url],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    first, second = mint(), mint()  # the first run made the key pair, the second reused it
    config = load_config(
        tmp_path / "trial" / "config.toml",
        host="127.0.0.1",
        port=8080,
        database=None,
        base_url=None,
    )
    authenticator = Authenticator(config, Ledger())
    now = datetime.now(UTC)
    for token in (first, second):
        caller = authenticator.authenticate(f"Bearer {token}", audiences=[url], now=now)
        assert caller.issuer == "https://ehr.clinic.example"


def test_the_refusal_table_lists_every_refusal() -> None:
    rows = set(re.findall(r"^\| ([^|]+?) \|", section(), flags=re.MULTILINE))
    named = (Refusal.MISSING_CLAIM, Refusal.BAD_CLAIM)
    expected = {f"{r.text}: NAME" if r in named else r.text for r in Refusal}
    assert expected <= rows, expected - rows
