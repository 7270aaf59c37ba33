"""Development tokens: minting, the persisted secret, and the `token` command."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from devstack.tokens import ALL_SCOPES, ISSUER, load_or_create_secret, mint_token


def _decode(token: str, secret: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(
        token, secret, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "iat"]}
    )
    return claims


def test_mint_token_claims() -> None:
    before = int(time.time())
    token = mint_token(
        secret="s" * 32,
        subject="alice",
        scopes=["appraisal:write", "talent:read"],
        org="RR8",
        region="Y56",
        ttl_seconds=600,
    )
    claims = _decode(token, "s" * 32)
    assert claims["sub"] == "alice"
    assert claims["scope"] == "appraisal:write talent:read"
    assert claims["org"] == "RR8" and claims["region"] == "Y56"
    assert claims["iss"] == "leadership-devstack"
    iat = claims["iat"]
    assert isinstance(iat, int) and before <= iat <= before + 5
    assert claims["nbf"] == iat and claims["exp"] == iat + 600


def test_optional_claims_are_left_out_and_scopes_may_be_a_string() -> None:
    claims = _decode(
        mint_token(secret="k" * 32, subject="bob", scopes="ned:read  ned:write"), "k" * 32
    )
    assert claims["scope"] == "ned:read ned:write"
    assert "org" not in claims and "region" not in claims


def test_wrong_secret_is_rejected() -> None:
    token = mint_token(secret="a" * 32, subject="x", scopes="national")
    with pytest.raises(jwt.InvalidSignatureError):
        _decode(token, "b" * 32)


def test_secret_is_created_once(tmp_path: Path) -> None:
    path = tmp_path / "state" / "secret"
    first = load_or_create_secret(path)
    assert len(first) >= 32
    assert load_or_create_secret(path) == first
    assert path.stat().st_mode & 0o077 == 0


def _run_token(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "token", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def test_token_command_prints_only_a_token(tmp_path: Path) -> None:
    out = _run_token(
        "--base-dir",
        str(tmp_path),
        "--scopes",
        "appraisal:write talent:read",
        "--org",
        "RR8",
        "--region",
        "Y56",
        "--sub",
        "someone",
        "--ttl",
        "120",
    )
    token = out.strip()
    assert out == token + "\n"
    secret = (tmp_path / "secret").read_text().strip()
    claims = _decode(token, secret)
    assert claims["sub"] == "someone"
    assert claims["scope"] == "appraisal:write talent:read"
    assert claims["org"] == "RR8" and claims["region"] == "Y56"
    assert claims["exp"] == claims["iat"] + 120  # type: ignore[operator]


def test_token_command_defaults_to_every_scope_and_reuses_the_secret(tmp_path: Path) -> None:
    load_or_create_secret(tmp_path / "secret")
    secret = (tmp_path / "secret").read_text().strip()
    claims = _decode(_run_token("--base-dir", str(tmp_path), "--scopes", "").strip(), secret)
    assert claims["scope"] == " ".join(ALL_SCOPES)
    assert "org" not in claims
    assert (tmp_path / "secret").read_text().strip() == secret
