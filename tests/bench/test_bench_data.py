"""The synthetic workforce generator (bench/data): on a 20,000-row sample, the distributions are
the configured ones, the output is deterministic and lazy, and every row is one talent's import
accepts, checked with talent's own validation and through the real API."""

from __future__ import annotations

import inspect
import itertools
import math
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

from bench.data import QUICK_SIZE, Config, csv_lines, ndjson_lines, people
from bench.data.distributions import BME_GROUPS, ETHNIC_CODES, SENIOR_BANDS, STAFF_GROUP_LABELS
from devstack.testing import auth
from shared.reference.organisations import OrgType, organisations_of_type, region_of
from talent.people import domain as talent_domain
from talent.people import extract
from talent.people.schemas import PersonRow

SEED = 7
CONFIG = Config()
GROUP_OF_LABEL = {label: code for code, label in STAFF_GROUP_LABELS.items()}
GROUP_OF_ETHNIC_CODE = {code: group for group, codes in ETHNIC_CODES.items() for code in codes}


@pytest.fixture(scope="module")
def sample() -> list[dict[str, Any]]:
    return list(people(QUICK_SIZE, seed=SEED))


def shares(values: Iterable[str]) -> dict[str, float]:
    counts = Counter(values)
    total = sum(counts.values())
    return {key: count / total for key, count in counts.items()}


def assert_close(observed: Mapping[str, float], expected: Mapping[str, float], n: int) -> None:
    """Every category within four standard errors (plus rounding slack) of its configured share;
    no category the configuration does not have."""
    assert set(observed) <= set(expected), set(observed) - set(expected)
    for key, p in expected.items():
        tolerance = 4 * math.sqrt(p * (1 - p) / n) + 0.002
        assert abs(observed.get(key, 0.0) - p) <= tolerance, (key, observed.get(key, 0.0), p)


def test_the_sample_has_the_requested_size_and_unique_person_ids(sample) -> None:
    assert len(sample) == QUICK_SIZE
    assert len({row["person_id"] for row in sample}) == QUICK_SIZE


def test_bands_and_staff_groups_follow_the_configuration(sample) -> None:
    n = len(sample)
    assert_close(shares(r["band"] for r in sample), CONFIG.band_probabilities(), n)
    assert_close(
        shares(GROUP_OF_LABEL[r["staff_group"]] for r in sample),
        CONFIG.staff_group_probabilities(),
        n,
    )
    # Medical and dental staff are exactly the medical pay band.
    assert all(
        (r["band"] == "medical") == (r["staff_group"] == "Medical and Dental") for r in sample
    )


def test_sex_follows_the_configured_share_overall_and_by_staff_group(sample) -> None:
    n = len(sample)
    assert_close(
        shares(r["sex"] for r in sample),
        {"female": CONFIG.female_probability(), "male": 1 - CONFIG.female_probability()},
        n,
    )
    for group in ("medical_dental", "nursing_midwifery_registered"):
        rows = [r for r in sample if GROUP_OF_LABEL[r["staff_group"]] == group]
        female = CONFIG.female_share[group]
        assert_close(
            shares(r["sex"] for r in rows), {"female": female, "male": 1 - female}, len(rows)
        )


def test_ethnicity_uses_the_data_dictionary_codes_in_the_configured_shares(sample) -> None:
    n = len(sample)
    assert {r["ethnic_category"] for r in sample} <= set(GROUP_OF_ETHNIC_CODE)
    observed = shares(GROUP_OF_ETHNIC_CODE[r["ethnic_category"]] for r in sample)
    assert_close(observed, CONFIG.ethnic_group_probabilities(), n)
    # Doctors have the published higher BME share (WRES 2023: 47.5%).
    doctors = [r for r in sample if r["band"] == "medical"]
    bme = sum(GROUP_OF_ETHNIC_CODE[r["ethnic_category"]] in BME_GROUPS for r in doctors)
    assert_close(
        {"bme": bme / len(doctors)}, {"bme": CONFIG.bme_probability("medical_dental")}, len(doctors)
    )


def test_disability_follows_the_configuration_with_fewer_declarations_in_senior_posts(
    sample,
) -> None:
    assert_close(shares(r["disability"] for r in sample), CONFIG.disability_marginal(), len(sample))
    senior = [r for r in sample if r["band"] in SENIOR_BANDS]
    rest = [r for r in sample if r["band"] not in SENIOR_BANDS]
    assert shares(r["disability"] for r in senior).get("yes", 0) < shares(
        r["disability"] for r in rest
    ).get("yes", 0)


def test_every_trust_and_icb_employs_someone_and_all_seven_regions_are_covered(sample) -> None:
    employers = {r["org_code"] for r in sample}
    trusts = {
        o.ods_code
        for kind in (OrgType.NHS_TRUST, OrgType.FOUNDATION_TRUST)
        for o in organisations_of_type(kind)
    }
    icbs = {o.ods_code for o in organisations_of_type(OrgType.ICB)}
    assert employers == trusts | icbs
    assert len(icbs) == 42
    assert {region_of(code) for code in employers} == {
        o.ods_code for o in organisations_of_type(OrgType.REGION)
    }
    icb_share = sum(r["org_code"] in icbs for r in sample) / len(sample)
    assert abs(icb_share - CONFIG.icb_share) < 0.005


def test_line_managers_are_senior_colleagues_in_the_same_organisation(sample) -> None:
    by_id = {r["person_id"]: r for r in sample}
    managers = {r["line_manager_id"] for r in sample if r.get("line_manager_id")}
    for row in sample:
        manager_id = row.get("line_manager_id")
        if manager_id is None:
            continue
        manager = by_id[manager_id]
        assert manager_id != row["person_id"]
        assert manager["org_code"] == row["org_code"]
        assert manager["is_line_manager"] is True
    assert {r["person_id"] for r in sample if r["is_line_manager"]} == managers
    # Exactly one person per organisation (its most senior) reports to nobody.
    tops = Counter(r["org_code"] for r in sample if r.get("line_manager_id") is None)
    assert set(tops.values()) == {1}
    assert 0.05 < len(managers) / len(sample) < 0.25


def test_the_same_seed_gives_the_same_rows_and_another_seed_others() -> None:
    first = list(itertools.islice(people(QUICK_SIZE, seed=SEED), 500))
    again = list(itertools.islice(people(QUICK_SIZE, seed=SEED), 500))
    other = list(itertools.islice(people(QUICK_SIZE, seed=SEED + 1), 500))
    assert first == again
    assert first != other


def test_the_full_size_generator_is_lazy_and_memory_bounded() -> None:
    rows = people(seed=SEED)  # 1.5 million
    assert inspect.isgenerator(rows)
    tracemalloc.start()
    try:
        head = list(itertools.islice(rows, 1_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        rows.close()
    assert len(head) == 1_000
    # Only the first organisations are built, not the 1.5 million rows (about 1 GiB as dicts).
    assert peak < 64 * 2**20, peak


def _talent_validation_errors(body: bytes, fmt: extract.ExtractFormat) -> list[Any]:
    """Talent's own per-row checks, without a database: schema, cross-field rules, ODS code."""
    errors = []
    for record in extract.parse_extract(body, fmt, max_rows=QUICK_SIZE + 1):
        assert record.unreadable is None, record
        row = PersonRow.model_validate(record.values)
        violations = talent_domain.row_violations(
            person_id=row.person_id,
            line_manager_id=row.line_manager_id,
            status=row.status,
            start_date=row.start_date,
            left_on=row.left_on,
        )
        if violations:
            errors.append((record.line, violations))
    return errors


@pytest.mark.parametrize(
    ("render", "fmt"),
    [(ndjson_lines, extract.ExtractFormat.NDJSON), (csv_lines, extract.ExtractFormat.CSV)],
)
def test_every_row_of_the_sample_passes_talents_row_validation(
    sample, render: Callable[..., Iterable[str]], fmt: extract.ExtractFormat
) -> None:
    body = "".join(render(sample)).encode()
    assert _talent_validation_errors(body, fmt) == []


async def test_slices_import_through_the_real_talent_api(sample, start_service) -> None:
    headers = auth("talent:read talent:write national")
    ndjson_rows, csv_rows = sample[:3_000], sample[3_000:5_000]
    async with start_service("talent") as talent:
        for rows, content_type, render in (
            (ndjson_rows, "application/x-ndjson", ndjson_lines),
            (csv_rows, "text/csv", csv_lines),
        ):
            response = await talent.client.post(
                "/v1/people:import",
                content="".join(render(rows)).encode(),
                headers={**headers, "Content-Type": content_type},
            )
            assert response.status_code == 200, response.text[:1000]
            report = response.json()
            assert report["rejected"] == 0, report["rejections"][:5]
            assert report["rows"] == report["created"] == len(rows)
        person = csv_rows[17]
        shown = (
            await talent.client.get(f"/v1/people/{person['person_id']}", headers=headers)
        ).json()
        assert shown["org_code"] == person["org_code"]
        assert shown["band"] == person["band"]
        assert shown["job_title"] == person["job_title"]
        assert shown["line_manager_id"] == person["line_manager_id"]
