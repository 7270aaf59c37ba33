"""deploy/compose/postgres-init.sh, run as the postgres image runs it, against a real (embedded)
PostgreSQL server of its own: each service gets a role and a database it owns, its migrations
run as that unprivileged role, and no role may connect to another service's database.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from devstack.postgres import EmbeddedPostgres, bin_dir
from devstack.testing import migrate

ROOT = Path(__file__).resolve().parents[2]
INIT_SCRIPT = ROOT / "deploy" / "compose" / "postgres-init.sh"
# A quote and a dollar sign: the script must pass the password to SQL as a literal.
PASSWORD = "it's $ecret"


def workspace_services() -> list[str]:
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"][
        "members"
    ]
    return sorted(m.split("/", 1)[1] for m in members if m.startswith("services/"))


@pytest.fixture
def fresh_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    # A server of its own: roles are cluster-wide, and these names are the real services'.
    base = tmp_path_factory.mktemp("postgres-init")
    server = EmbeddedPostgres(base / "pgdata", log_path=base / "postgres.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def run_init_script(server: EmbeddedPostgres) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
        "PGHOST": server.host,
        "PGPORT": str(server.port),
        "POSTGRES_USER": "postgres",
        "SERVICE_DB_PASSWORD": PASSWORD,
    }
    return subprocess.run(
        ["sh", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=120
    )


def scram_matches(verifier: str | None, password: str) -> bool:
    """Whether a ``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` verifier was
    made from ``password`` (RFC 5802: StoredKey = H(HMAC(SaltedPassword, "Client Key")))."""
    if verifier is None or not verifier.startswith("SCRAM-SHA-256$"):
        return False
    _, iterations_salt, keys = verifier.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key = base64.b64decode(keys.split(":")[0])
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), stored_key)


async def test_deploy_postgres_init_gives_each_service_its_own_database(
    fresh_postgres: EmbeddedPostgres,
) -> None:
    done = await asyncio.to_thread(run_init_script, fresh_postgres)
    assert done.returncode == 0, done.stderr

    services = workspace_services()
    admin = await asyncpg.connect(
        host=fresh_postgres.host, port=fresh_postgres.port, user="postgres", database="postgres"
    )
    try:
        owners = dict(
            await admin.fetch(
                "SELECT d.datname, r.rolname FROM pg_database d "
                "JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = ANY($1::text[])",
                services,
            )
        )
        assert owners == {s: s for s in services}
        roles = await admin.fetch(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolpassword "
            "FROM pg_authid WHERE rolname = ANY($1::text[])",
            services,
        )
        assert len(roles) == len(services)
        for role in roles:
            assert not (role["rolsuper"] or role["rolcreatedb"] or role["rolcreaterole"])
            # The embedded server trusts local connections, so the password is checked here,
            # against the SCRAM verifier PostgreSQL stored for it.
            assert scram_matches(role["rolpassword"], PASSWORD), role["rolname"]
    finally:
        await admin.close()

    for service in services:
        url = (
            f"postgresql+asyncpg://{service}@{fresh_postgres.host}:{fresh_postgres.port}/{service}"
        )
        # The owner, not a superuser, creates the schema: what the compose migrate job does.
        await asyncio.to_thread(migrate, service, url)

    intruder, victim = services[0], services[1]
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await asyncpg.connect(
            host=fresh_postgres.host, port=fresh_postgres.port, user=intruder, database=victim
        )
