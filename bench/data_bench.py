"""The synthetic data generator at full size, and talent's import of a slice of it.

* generation: all 1.5 million rows rendered as NDJSON into a counting sink, with the rate, the
  growth of this process's resident memory (the generator must stay bounded) and how far each
  generated distribution lands from its configured share. Baseline: ``json.dumps`` of one fixed
  row the same number of times (the serialisation alone).
* import: a slice imported through talent's real ``POST /v1/people:import`` (the app with its
  lifespan, in-process, on the embedded PostgreSQL), in batches. Baseline: ``COPY`` of the same
  rows into a bare table of the same columns.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import threading
import time
from collections import Counter
from typing import Any

import asyncpg
import psutil

from bench.common import Result, SummaryRow, asyncpg_dsn, embedded_servers, fmt_rate, rate, say
from bench.data import Config, ndjson_lines, people
from bench.data.distributions import ETHNIC_CODES, STAFF_GROUP_LABELS

GROUP_OF_LABEL = {label: code for code, label in STAFF_GROUP_LABELS.items()}
GROUP_OF_CODE = {code: group for group, codes in ETHNIC_CODES.items() for code in codes}


class _PeakRss:
    def __init__(self) -> None:
        self.process = psutil.Process(os.getpid())
        self.start = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _max_deviation(counts: Counter[str], expected: dict[str, float]) -> float:
    total = sum(counts.values())
    keys = set(counts) | set(expected)
    return max(abs(counts.get(k, 0) / total - expected.get(k, 0.0)) for k in keys)


def generate(size: int, seed: int) -> dict[str, Any]:
    config = Config()
    bands: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    sexes: Counter[str] = Counter()
    ethnic: Counter[str] = Counter()
    disability: Counter[str] = Counter()
    orgs: set[str] = set()
    managers = 0
    written = 0

    def counted(rows: Any) -> Any:
        nonlocal managers
        for row in rows:
            bands[row["band"]] += 1
            groups[GROUP_OF_LABEL[row["staff_group"]]] += 1
            sexes[row["sex"]] += 1
            ethnic[GROUP_OF_CODE[row["ethnic_category"]]] += 1
            disability[row["disability"]] += 1
            orgs.add(row["org_code"])
            managers += row["is_line_manager"]
            yield row

    with _PeakRss() as memory:
        started = time.perf_counter()
        for line in ndjson_lines(counted(people(size, seed=seed))):
            written += len(line)
        seconds = time.perf_counter() - started
    female = config.female_probability()
    sample_row = next(iter(people(1, seed=seed)))
    started = time.perf_counter()
    for _ in range(size):
        json.dumps(sample_row, separators=(",", ":"))
    baseline_seconds = time.perf_counter() - started
    return {
        "rows": size,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rate(size, seconds), 1),
        "ndjson_mib": round(written / 2**20, 1),
        "rss_growth_mib": round((memory.peak - memory.start) / 2**20, 1),
        "organisations": len(orgs),
        "line_manager_share": round(managers / size, 4),
        "max_abs_deviation_from_configured_share": {
            "band": round(_max_deviation(bands, config.band_probabilities()), 5),
            "staff_group": round(_max_deviation(groups, config.staff_group_probabilities()), 5),
            "sex": round(_max_deviation(sexes, {"female": female, "male": 1 - female}), 5),
            "ethnic_group": round(_max_deviation(ethnic, config.ethnic_group_probabilities()), 5),
            "disability": round(_max_deviation(disability, config.disability_marginal()), 5),
        },
        "baseline_json_dumps_rows_per_second": round(rate(size, baseline_seconds), 1),
    }


async def _import(pg: Any, broker: Any, rows: list[dict[str, Any]], batch: int) -> dict[str, Any]:
    from devstack.testing import auth, run_service

    headers = {**auth("talent:read talent:write national"), "Content-Type": "application/x-ndjson"}
    async with run_service("talent", postgres=pg, broker=broker) as talent:
        started = time.perf_counter()
        for first in range(0, len(rows), batch):
            body = "".join(ndjson_lines(rows[first : first + batch])).encode()
            response = await talent.client.post("/v1/people:import", content=body, headers=headers)
            response.raise_for_status()
            report = response.json()
            if report["rejected"]:
                raise AssertionError(f"rows rejected: {report['rejections'][:3]}")
        seconds = time.perf_counter() - started
    return {
        "rows": len(rows),
        "seconds": round(seconds, 2),
        "rows_per_second": rate(len(rows), seconds),
    }


async def _copy(pg: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    from bench.data.generator import COLUMNS

    pg.create_database("bench_copy")
    conn = await asyncpg.connect(asyncpg_dsn(pg.url("bench_copy")))
    try:
        await conn.execute(
            "CREATE TABLE people (" + ", ".join(f"{c} text" for c in COLUMNS) + ", "
            "PRIMARY KEY (person_id))"
        )
        records = [tuple(None if r.get(c) is None else str(r[c]) for c in COLUMNS) for r in rows]
        started = time.perf_counter()
        await conn.copy_records_to_table("people", records=records, columns=list(COLUMNS))
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    return {
        "rows": len(rows),
        "seconds": round(seconds, 3),
        "rows_per_second": rate(len(rows), seconds),
    }


def run(
    *, size: int = 1_500_000, seed: int = 1, import_rows: int = 40_000, batch: int = 20_000
) -> Result:
    result = Result(
        name="data",
        title="Synthetic workforce: generation and import",
        parameters={"size": size, "seed": seed, "import_rows": import_rows, "import_batch": batch},
    )
    say(f"data: generating {size:,} rows")
    generation = generate(size, seed)
    say(f"data: {generation['rows_per_second']:,.0f} rows/s; importing {import_rows:,} into talent")
    rows = list(itertools.islice(people(size, seed=seed), import_rows))
    with embedded_servers() as (pg, broker):
        imported = asyncio.run(_import(pg, broker, rows, batch))
        copied = asyncio.run(_copy(pg, rows))
    dumps_rate = generation["baseline_json_dumps_rows_per_second"]
    result.details = {"generation": generation, "talent_import": imported, "baseline_copy": copied}
    result.summary = [
        SummaryRow(
            metric=f"Generate {size:,} people as NDJSON (rows/s)",
            measured=fmt_rate(generation["rows_per_second"]),
            baseline=f"json.dumps alone {fmt_rate(dumps_rate)}",
            note=(
                f"{generation['seconds']:.0f} s, {generation['ndjson_mib']:,.0f} MiB, memory "
                f"+{generation['rss_growth_mib']} MiB; largest deviation from a configured share "
                f"{max(generation['max_abs_deviation_from_configured_share'].values()):.4f}"
            ),
        ),
        SummaryRow(
            metric=f"talent POST /v1/people:import, {import_rows:,} rows (rows/s)",
            measured=fmt_rate(imported["rows_per_second"]),
            baseline=f"COPY into a bare table {fmt_rate(copied['rows_per_second'])}",
            note=f"batches of {batch:,} rows, each one transaction with person.changed events",
        ),
    ]
    return result
