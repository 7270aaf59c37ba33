"""``python -m bench``: run the benchmarks (all, or one) and regenerate bench/README.md.

    python -m bench                      # everything, default sizes (about 10-15 min, 2 cores)
    python -m bench pipeline --rate 100 --duration 30
    python -m bench throughput --events 50000
    python -m bench http --duration 5 --client wrk
    python -m bench footprint
    python -m bench data --size 200000
    python -m bench standards_import --rows 100000
    python -m bench talent_succession --candidates 10000
    python -m bench talent_oversight --size 1500000
    python -m bench report               # only rebuild the README table from results/
    python -m bench all --quick          # a smoke run with small sizes, into a temp directory

Results go to bench/results/<name>.json (or --results-dir); the README table is rebuilt from
bench/results/ after every run that writes there.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, Result, quiet_logging, say

BENCHMARKS = (
    "throughput",
    "pipeline",
    "http",
    "footprint",
    "data",
    "talent_replay",
    "standards_import",
    "talent_succession",
    "talent_oversight",
)

QUICK: dict[str, dict[str, Any]] = {
    "pipeline": {"rate": 50.0, "duration": 10.0, "baseline_duration": 5.0},
    "throughput": {"events": 5_000, "profile_events": 1_000},
    "talent_replay": {"events": 20_000},
    "standards_import": {"rows": 5_000},
    "talent_succession": {"candidates": 1_000},
    "talent_oversight": {"size": 100_000, "requests": 5},
    "http": {"duration": 3.0, "warmup": 1.0},
    "footprint": {"settle": 2.0, "load_seconds": 3.0},
    "data": {"size": 50_000, "import_rows": 5_000, "batch": 5_000},
}


def _add_options(parser: argparse.ArgumentParser, name: str) -> None:
    if name in ("pipeline", "all"):
        parser.add_argument("--rate", type=float, default=None, help="pipeline writes/s (200)")
        parser.add_argument("--duration", type=float, default=None, help="pipeline seconds (60)")
        parser.add_argument(
            "--baseline-duration", type=float, default=None, help="pipeline baselines (20 s)"
        )
    if name in ("throughput", "all"):
        parser.add_argument("--events", type=int, default=None, help="events (20,000)")
        parser.add_argument(
            "--profile-events",
            type=int,
            default=None,
            help="events in the cProfile pass (5,000; 0 skips it)",
        )
    if name in ("http", "all"):
        if name == "http":
            parser.add_argument("--duration", type=float, default=None, help="seconds (10)")
        else:
            parser.add_argument(
                "--http-duration", type=float, default=None, help="http seconds per load (10)"
            )
        parser.add_argument("--warmup", type=float, default=None, help="seconds (2)")
        parser.add_argument("--connections", type=int, default=None, help="connections (16)")
        parser.add_argument(
            "--client",
            choices=("python", "wrk", "auto"),
            default="python",
            help="load generator: python (default), wrk, or auto (wrk when installed)",
        )
    if name == "talent_replay":
        parser.add_argument("--events", type=int, default=None, help="events (1,000,000)")
        parser.add_argument("--seed", type=int, default=None, help="generator seed (1)")
    if name == "standards_import":
        parser.add_argument("--rows", type=int, default=None, help="completions (100,000)")
        parser.add_argument("--seed", type=int, default=None, help="generator seed (1)")
    if name == "talent_succession":
        parser.add_argument("--candidates", type=int, default=None, help="candidates (10,000)")
        parser.add_argument("--seed", type=int, default=None, help="generator seed (1)")
    if name == "talent_oversight":
        parser.add_argument("--size", type=int, default=None, help="people (1,500,000)")
        parser.add_argument("--requests", type=int, default=None, help="reports timed (20)")
        parser.add_argument("--seed", type=int, default=None, help="generator seed (1)")
    if name in ("footprint", "all"):
        parser.add_argument("--settle", type=float, default=None, help="idle seconds (5)")
        parser.add_argument("--load-seconds", type=float, default=None, help="seconds (6)")
    if name in ("data", "all"):
        parser.add_argument("--size", type=int, default=None, help="rows (1,500,000)")
        parser.add_argument("--import-rows", type=int, default=None, help="rows (40,000)")
        parser.add_argument("--seed", type=int, default=None, help="generator seed (1)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command")
    for name in ("all", *BENCHMARKS):
        sub = commands.add_parser(name, help=f"run {'every benchmark' if name == 'all' else name}")
        _add_options(sub, name)
        sub.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
        sub.add_argument(
            "--results-dir",
            type=Path,
            default=None,
            help="where to write the JSON (default bench/results; --quick: a temp directory)",
        )
    commands.add_parser("report", help="rebuild the README table from bench/results/")
    return parser


def _options(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of one benchmark's run(): quick sizes, then explicit options."""
    chosen = dict(QUICK[name]) if args.quick else {}
    given = {key: value for key, value in vars(args).items() if value is not None}
    wanted = {
        "pipeline": ("rate", "duration", "baseline_duration"),
        "throughput": ("events", "profile_events"),
        "talent_replay": ("events", "seed"),
        "standards_import": ("rows", "seed"),
        "talent_succession": ("candidates", "seed"),
        "talent_oversight": ("size", "requests", "seed"),
        "http": ("duration", "warmup", "connections", "client"),
        "footprint": ("settle", "load_seconds"),
        "data": ("size", "import_rows", "seed"),
    }[name]
    if name == "http" and args.command == "all":
        given.pop("duration", None)
        if "http_duration" in given:
            given["duration"] = given["http_duration"]
    for key in wanted:
        if key in given:
            chosen[key] = given[key]
    if name == "http" and chosen.get("client") == "auto":
        import shutil

        chosen["client"] = "wrk" if shutil.which("wrk") else "python"
    return chosen


def _runner(name: str) -> Callable[..., Result]:
    if name == "pipeline":
        from bench import pipeline

        return pipeline.run
    if name == "talent_replay":
        from bench import talent_replay

        return talent_replay.run
    if name == "standards_import":
        from bench import standards_import

        return standards_import.run
    if name == "talent_succession":
        from bench import talent_succession

        return talent_succession.run
    if name == "talent_oversight":
        from bench import talent_oversight

        return talent_oversight.run
    if name == "throughput":
        from bench import throughput

        return throughput.run
    if name == "http":
        from bench import http_load

        return http_load.run
    if name == "footprint":
        from bench import footprint

        return footprint.run
    from bench import data_bench

    return data_bench.run


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    quiet_logging()
    from bench import report

    if args.command == "report":
        report.update_readme()
        say("bench/README.md regenerated")
        return 0
    command = args.command or "all"
    if args.command is None:
        args = _parser().parse_args(["all", *(argv or [])])
    names = BENCHMARKS if command == "all" else (command,)
    results_dir: Path = args.results_dir or (
        Path(tempfile.mkdtemp(prefix="bench-quick-")) if args.quick else RESULTS_DIR
    )
    failed: list[str] = []
    started = time.monotonic()
    for name in names:
        options = _options(name, args)
        say(f"== {name} {options or ''}")
        try:
            result = _runner(name)(**options)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        path = result.write(results_dir)
        say(f"{name}: wrote {path}")
        for row in result.summary:
            verdict = "" if row.met is None else (" [goal met]" if row.met else " [GOAL NOT MET]")
            say(f"  {row.metric}: {row.measured}{verdict}")
    if results_dir.resolve() == RESULTS_DIR.resolve():
        report.update_readme()
        say("bench/README.md regenerated")
    say(f"done in {time.monotonic() - started:.0f} s; results in {results_dir}")
    if failed:
        say(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
