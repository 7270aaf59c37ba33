"""``python -m bench.data``: write the synthetic workforce as NDJSON or CSV.

    python -m bench.data --quick --out people.ndjson
    python -m bench.data --size 1500000 --format csv --rows-per-file 50000 --out extracts/

With ``--rows-per-file`` the output is a directory of files each small enough for one import
(talent takes at most 50,000 rows and 20 MiB per request). ``--out -`` writes to stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from bench.data.distributions import FULL_SIZE, QUICK_SIZE, Config
from bench.data.generator import batches, csv_lines, ndjson_lines, people


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.data", description=__doc__.split("\n")[0]
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--size", type=int, default=FULL_SIZE, help=f"rows (default {FULL_SIZE:,})")
    size.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} rows")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same rows (default 1)")
    parser.add_argument("--format", choices=("ndjson", "csv"), default="ndjson")
    parser.add_argument("--out", default="-", help="file, directory (with --rows-per-file) or -")
    parser.add_argument(
        "--rows-per-file", type=int, default=None, help="split into files of this many rows"
    )
    parser.add_argument(
        "--leavers",
        type=float,
        default=None,
        help="share of rows that are leavers (default 0: staff in post; 0.101 is a year's rate)",
    )
    return parser


def _lines(rows: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    return ndjson_lines(rows) if fmt == "ndjson" else csv_lines(rows)


def _write(lines: Iterable[str], out: TextIO) -> None:
    for line in lines:
        out.write(line)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    size = QUICK_SIZE if args.quick else args.size
    if size < 1:
        raise SystemExit("--size must be at least 1")
    config = Config()
    if args.leavers is not None:
        if not 0 <= args.leavers < 1:
            raise SystemExit("--leavers is a share between 0 and 1")
        config = replace(config, leaver_share=args.leavers)
    rows = people(size, seed=args.seed, config=config)
    started = time.perf_counter()
    if args.rows_per_file:
        if args.out == "-":
            raise SystemExit("--rows-per-file needs --out DIRECTORY")
        directory = Path(args.out)
        directory.mkdir(parents=True, exist_ok=True)
        for number, batch in enumerate(batches(rows, args.rows_per_file), start=1):
            path = directory / f"people-{number:04d}.{args.format}"
            with path.open("w", encoding="utf-8", newline="") as handle:
                _write(_lines(batch, args.format), handle)
    elif args.out == "-":
        _write(_lines(rows, args.format), sys.stdout)
    else:
        with Path(args.out).open("w", encoding="utf-8", newline="") as handle:
            _write(_lines(rows, args.format), handle)
    seconds = time.perf_counter() - started
    print(f"{size:,} rows in {seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
