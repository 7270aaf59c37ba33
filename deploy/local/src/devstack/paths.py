"""Where the development stack keeps its state.

Everything lives under one base directory (default ``<repo>/.devstack``) so that a test can
run a whole stack inside a temporary directory without touching the developer's own one.
"""

from __future__ import annotations

from pathlib import Path

DEVSTACK_DIR_NAME = ".devstack"


def find_repo_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working directory) with ``uv.lock``.

    The workspace root is the only folder with ``uv.lock``, so this finds it from any
    service or package folder a developer happens to run ``make`` or ``python -m`` in.
    """
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "uv.lock").is_file():
            return candidate
    raise FileNotFoundError(f"no uv.lock in {here} or any folder above it: run from the repository")


def default_base_dir(start: Path | None = None) -> Path:
    return find_repo_root(start) / DEVSTACK_DIR_NAME


class StackPaths:
    """The layout of one base directory."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir.resolve()

    @property
    def pgdata(self) -> Path:
        return self.base_dir / "pgdata"

    @property
    def logs(self) -> Path:
        return self.base_dir / "logs"

    @property
    def state_file(self) -> Path:
        return self.base_dir / "stack.json"

    @property
    def secret_file(self) -> Path:
        return self.base_dir / "secret"

    @property
    def lock_file(self) -> Path:
        return self.base_dir / "up.lock"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"
