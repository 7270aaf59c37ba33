"""The synthetic workforce: people rows in the shape talent's ``POST /v1/people:import`` takes.

``people(size, seed)`` is a generator: it builds one organisation at a time (the largest holds
about 25,000 people), assigns its line managers, yields its rows and forgets them, so memory is
bounded by the largest organisation, not by the 1.5 million rows. The same size and seed always
give the same rows, byte for byte.

Staff are employed by the real NHS trusts and ICBs of ``shared.reference.organisations``; the
seven regions are reached through them.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import json
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.data.distributions import (
    BAND_RANK,
    BME_GROUPS,
    FULL_SIZE,
    ICB_SIZE_SIGMA,
    MAX_TENURE_YEARS,
    REFERENCE_DATE,
    SENIOR_BANDS,
    STAFF_GROUP_LABELS,
    TRUST_SIZE_SIGMA,
    Config,
    normalised,
)

#: Column order of the CSV form (the import reads columns by name, any order).
COLUMNS = (
    "person_id",
    "org_code",
    "job_title",
    "staff_group",
    "band",
    "line_manager_id",
    "is_line_manager",
    "start_date",
    "status",
    "left_on",
    "professional_registration",
    "ethnic_category",
    "disability",
    "sex",
)

# An affine map i → (A·i + offset) mod 90,000,000 is a bijection when A is coprime with
# 90,000,000 (= 2^7 · 3^2 · 5^7): distinct 8-digit person numbers that do not run in order.
_PERSON_MULTIPLIER = 7_368_787
_PERSON_SPACE = 90_000_000


class Sampler:
    """Draws keys with fixed probabilities (cumulative table + bisect: fast for small tables)."""

    def __init__(self, shares: Mapping[str, float]) -> None:
        probabilities = normalised(shares)
        self.keys = list(probabilities)
        self.cumulative = list(itertools.accumulate(probabilities.values()))
        self.cumulative[-1] = 1.0

    def draw(self, rng: random.Random) -> str:
        return self.keys[bisect.bisect_right(self.cumulative, rng.random())]


@dataclass(frozen=True)
class Employer:
    ods_code: str
    region_code: str
    kind: str  # "trust" or "icb"
    name: str


def employers() -> list[Employer]:
    from shared.reference.organisations import OrgType, all_organisations, region_of

    found = []
    for org in all_organisations():
        if org.org_type is OrgType.REGION:
            continue
        kind = "icb" if org.org_type is OrgType.ICB else "trust"
        found.append(Employer(org.ods_code, region_of(org.ods_code) or "", kind, org.name))
    return found


def allocate(size: int, weights: Sequence[float]) -> list[int]:
    """Split ``size`` over ``weights`` (largest remainder), at least one each when possible."""
    total = sum(weights)
    exact = [size * w / total for w in weights]
    counts = [int(x) for x in exact]
    floor_each = 1 if size >= len(weights) else 0
    for i, count in enumerate(counts):
        if count < floor_each:
            counts[i] = floor_each
    remaining = size - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    step = 1 if remaining >= 0 else -1
    cycle = itertools.cycle(order if step > 0 else list(reversed(order)))
    while remaining != 0:
        i = next(cycle)
        if step < 0 and counts[i] <= floor_each:
            continue
        counts[i] += step
        remaining -= step
    return counts


def organisation_sizes(size: int, seed: int, config: Config) -> list[tuple[Employer, int]]:
    """Headcount per employer: ICBs share ``icb_share`` of the total, trusts the rest, each by a
    log-normal weight (no published per-trust headcount was used; see the distributions)."""
    rng = random.Random(f"sizes:{seed}")
    orgs = employers()
    icbs = [o for o in orgs if o.kind == "icb"]
    trusts = [o for o in orgs if o.kind == "trust"]
    icb_total = round(size * config.icb_share)
    if size >= len(orgs):
        icb_total = max(icb_total, len(icbs))
    icb_counts = allocate(icb_total, [rng.lognormvariate(0, ICB_SIZE_SIGMA) for _ in icbs])
    trust_counts = allocate(
        size - icb_total, [rng.lognormvariate(0, TRUST_SIZE_SIGMA) for _ in trusts]
    )
    by_code = {o.ods_code: n for o, n in zip(icbs + trusts, icb_counts + trust_counts, strict=True)}
    return [(o, by_code[o.ods_code]) for o in orgs]


# -- job titles and registrations -------------------------------------------------------------

_TITLES: dict[str, list[tuple[set[str], list[str]]]] = {
    "nursing_midwifery_registered": [
        ({"5"}, ["Staff Nurse", "Registered Midwife", "Community Staff Nurse"]),
        ({"6"}, ["Senior Staff Nurse", "Deputy Ward Sister", "Community Midwife"]),
        ({"7"}, ["Ward Manager", "Clinical Nurse Specialist", "Advanced Nurse Practitioner"]),
        ({"8a", "8b"}, ["Matron", "Nurse Consultant", "Head of Midwifery"]),
        ({"8c", "8d", "9"}, ["Deputy Director of Nursing", "Head of Nursing"]),
        ({"VSM"}, ["Chief Nurse"]),
    ],
    "medical_dental": [],  # chosen by seniority in _title
    "allied_health_professionals": [
        ({"5"}, ["Physiotherapist", "Occupational Therapist", "Diagnostic Radiographer"]),
        ({"6"}, ["Specialist Physiotherapist", "Speech and Language Therapist", "Dietitian"]),
        ({"7"}, ["Advanced Physiotherapist", "Clinical Specialist Occupational Therapist"]),
        ({"8a", "8b", "8c", "8d", "9"}, ["Consultant Therapist", "Head of Therapies"]),
        ({"VSM"}, ["Director of Allied Health Professions"]),
    ],
    "additional_clinical_services": [
        ({"1", "2"}, ["Healthcare Assistant", "Ward Support Worker"]),
        ({"3"}, ["Senior Healthcare Assistant", "Maternity Support Worker"]),
        ({"4"}, ["Assistant Practitioner", "Nursing Associate"]),
    ],
    "administrative_clerical": [
        ({"1", "2", "3"}, ["Receptionist", "Ward Clerk", "Medical Records Clerk"]),
        ({"4"}, ["Medical Secretary", "Team Administrator", "HR Assistant"]),
        ({"5", "6"}, ["Finance Officer", "Project Officer", "HR Advisor"]),
        ({"7"}, ["Service Manager", "Senior Finance Manager", "Information Analyst"]),
        ({"8a", "8b"}, ["General Manager", "Head of Finance", "Programme Manager"]),
        ({"8c", "8d", "9"}, ["Associate Director of Operations", "Deputy Director of Finance"]),
        ({"VSM"}, ["Chief Operating Officer", "Director of Finance", "Director of People"]),
    ],
    "estates_ancillary": [
        ({"1", "2"}, ["Domestic Assistant", "Porter", "Catering Assistant"]),
        ({"3", "4"}, ["Maintenance Technician", "Security Officer"]),
        ({"5", "6", "7", "8a", "8b", "8c", "8d", "9"}, ["Estates Manager", "Head of Facilities"]),
    ],
    "add_prof_scientific_technical": [
        ({"3", "4"}, ["Pharmacy Technician", "Psychology Assistant"]),
        ({"5", "6", "7"}, ["Pharmacist", "Clinical Psychologist", "Theatre Practitioner"]),
        ({"8a", "8b", "8c", "8d", "9"}, ["Consultant Pharmacist", "Consultant Psychologist"]),
    ],
    "healthcare_scientists": [
        ({"4", "5"}, ["Biomedical Scientist Trainee", "Healthcare Science Practitioner"]),
        ({"6", "7"}, ["Biomedical Scientist", "Clinical Physiologist"]),
        ({"8a", "8b", "8c", "8d", "9"}, ["Consultant Clinical Scientist", "Head of Pathology"]),
    ],
    "students": [
        ({"2", "3", "4"}, ["Student Nurse", "Degree Apprentice", "Student Paramedic"]),
    ],
}  # fmt: skip

_MEDICAL_TITLES = (
    (0.45, "Consultant"),
    (0.12, "Specialty Doctor"),
    (0.25, "Specialty Registrar"),
    (0.18, "Foundation Doctor"),
)
_HCPC_PREFIXES = ("PH", "OT", "RA", "SL", "DT", "PA", "CH", "PO")


def _title(rng: random.Random, group: str, band: str) -> str:
    if group == "medical_dental":
        roll = rng.random()
        for share, title in _MEDICAL_TITLES:
            if roll < share:
                return title
            roll -= share
        return _MEDICAL_TITLES[-1][1]
    for bands, titles in _TITLES.get(group, []):
        if band in bands:
            return rng.choice(titles)
    return STAFF_GROUP_LABELS[group].split(" and ")[0] + " Officer"


def _registration(rng: random.Random, group: str) -> str | None:
    if group == "nursing_midwifery_registered":
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        return (
            f"NMC {rng.randrange(100):02d}{rng.choice(letters)}{rng.randrange(10_000):04d}"
            f"{rng.choice('EOC')}"
        )
    if group == "medical_dental":
        return f"GMC {rng.randrange(1_000_000, 9_999_999)}"
    if group == "allied_health_professionals":
        return f"HCPC {rng.choice(_HCPC_PREFIXES)}{rng.randrange(100_000, 999_999)}"
    if group == "healthcare_scientists":
        return f"HCPC BS{rng.randrange(10_000, 99_999)}"
    return None


# -- people -----------------------------------------------------------------------------------


class _Draws:
    """The samplers of one configuration, built once."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.band = Sampler(config.band_probabilities())
        self.group = {b: Sampler(t) for b, t in config.staff_group_given_band.items()}
        shares = config.ethnic_group_probabilities()
        bme_mass = sum(shares[g] for g in BME_GROUPS)
        self.bme_mix = Sampler({g: shares[g] / bme_mass for g in BME_GROUPS})
        self.unknown = shares["unknown"]
        self.codes = {g: Sampler(c) for g, c in config.ethnic_codes.items()}
        self.disability = {
            senior: Sampler(config.disability_probabilities(senior)) for senior in (True, False)
        }
        self.bme_cache: dict[str, float] = {}

    def bme(self, key: str) -> float:
        if key not in self.bme_cache:
            self.bme_cache[key] = self.config.bme_probability(key)
        return self.bme_cache[key]

    def ethnic_group(self, rng: random.Random, key: str) -> str:
        roll = rng.random()
        if roll < self.unknown:
            return "unknown"
        if roll < self.unknown + self.bme(key):
            return self.bme_mix.draw(rng)
        return "white"


def _person_id(index: int, seed: int) -> str:
    offset = (seed * 2_654_435_761) % _PERSON_SPACE
    return str(10_000_000 + (index * _PERSON_MULTIPLIER + offset) % _PERSON_SPACE)


def _rank(person: dict[str, Any]) -> int:
    if person["band"] == "medical":
        return 9 if person["job_title"] == "Consultant" else 6
    return BAND_RANK[person["band"]]


def _organisation_people(
    employer: Employer,
    count: int,
    first_index: int,
    seed: int,
    draws: _Draws,
) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}:{employer.ods_code}")
    config = draws.config
    people: list[dict[str, Any]] = []
    for offset in range(count):
        band = draws.band.draw(rng)
        group = draws.group[band].draw(rng)
        key = config.sex_key(band, group)
        years = min(rng.expovariate(1 / config.mean_tenure_years), MAX_TENURE_YEARS)
        tenure_days = years * 365.25
        start = REFERENCE_DATE - timedelta(days=int(tenure_days))
        person: dict[str, Any] = {
            "person_id": _person_id(first_index + offset, seed),
            "org_code": employer.ods_code,
            "job_title": _title(rng, group, band),
            "staff_group": STAFF_GROUP_LABELS[group],
            "band": band,
            "line_manager_id": None,
            "is_line_manager": False,
            "start_date": start.isoformat(),
            "status": "active",
            "left_on": None,
            "professional_registration": _registration(rng, group),
            "ethnic_category": draws.codes[draws.ethnic_group(rng, key)].draw(rng),
            "disability": draws.disability[band in SENIOR_BANDS].draw(rng),
            "sex": "female" if rng.random() < config.female_share[key] else "male",
        }
        if config.leaver_share and rng.random() < config.leaver_share:
            days_since_start = max((REFERENCE_DATE - start).days, 0)
            person["status"] = "left"
            left = REFERENCE_DATE - timedelta(days=rng.randint(0, min(days_since_start, 365)))
            person["left_on"] = left.isoformat()
        people.append(person)
    _assign_line_managers(people, rng, config.manager_share_by_rank)
    return people


def _assign_line_managers(
    people: list[dict[str, Any]], rng: random.Random, manager_share: Mapping[int, float]
) -> None:
    """Everyone but the most senior person reports to a manager of a higher rank in the same
    organisation: preferably one to three ranks up and in the same staff group. Only a share
    of each rank manages people (``manager_share``), so teams have realistic sizes."""
    if not people:
        return
    ranked = sorted(range(len(people)), key=lambda i: -_rank(people[i]))
    top = ranked[0]
    by_rank: dict[int, list[int]] = {}
    by_rank_group: dict[tuple[int, str], list[int]] = {}
    for i in ranked:
        if people[i]["status"] != "active":
            continue
        rank = _rank(people[i])
        if i != top and rng.random() >= manager_share.get(rank, 0.0):
            continue
        by_rank.setdefault(rank, []).append(i)
        by_rank_group.setdefault((rank, people[i]["staff_group"]), []).append(i)
    ranks = sorted(by_rank)
    for i in ranked:
        if i == top:
            continue
        own = _rank(people[i])
        window = [r for r in ranks if r > own][:3]
        if not window:
            manager = top
        else:
            group = people[i]["staff_group"]
            same = [r for r in window if (r, group) in by_rank_group]
            if same and rng.random() < 0.7:
                manager = rng.choice(by_rank_group[(rng.choice(same), group)])
            else:
                manager = rng.choice(by_rank[rng.choice(window)])
        people[i]["line_manager_id"] = people[manager]["person_id"]
        people[manager]["is_line_manager"] = True


def people(
    size: int = FULL_SIZE, *, seed: int = 1, config: Config | None = None
) -> Iterator[dict[str, Any]]:
    """Yield ``size`` people, organisation by organisation, deterministically for ``seed``."""
    config = config or Config()
    draws = _Draws(config)
    index = 0
    for employer, count in organisation_sizes(size, seed, config):
        batch = _organisation_people(employer, count, index, seed, draws)
        index += count
        yield from batch


# -- output formats ---------------------------------------------------------------------------


def compact(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row without absent values (what an extract leaves blank)."""
    return {k: v for k, v in row.items() if v is not None}


def ndjson_lines(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(compact(row), separators=(",", ":")) + "\n"


def csv_lines(rows: Iterable[Mapping[str, Any]], *, header: bool = True) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in COLUMNS])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Consecutive lists of ``size`` rows (talent takes at most 50,000 rows an import)."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


__all__ = [
    "COLUMNS",
    "Employer",
    "allocate",
    "batches",
    "compact",
    "csv_lines",
    "employers",
    "ndjson_lines",
    "organisation_sizes",
    "people",
]
