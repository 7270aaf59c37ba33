"""Pure rules of the people directory and the extract reader: no database, no broker."""

from datetime import date

import pytest
from pydantic import ValidationError

from shared.http.problems import ProblemError
from talent.people import domain
from talent.people.domain import Band, PersonStatus, PublishedPerson, StaffGroup
from talent.people.extract import ExtractFormat, format_for, parse_extract
from talent.people.schemas import PersonRow


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("5", Band.BAND_5),
        (5, Band.BAND_5),
        ("Band 5", Band.BAND_5),
        ("band 8A", Band.BAND_8A),
        ("8d", Band.BAND_8D),
        ("vsm", Band.VSM),
        ("Medical and Dental", Band.MEDICAL),
        ("medical", Band.MEDICAL),
    ],
)
def test_band_spellings_from_extracts(given: object, expected: Band) -> None:
    assert domain.parse_band(given) is expected


@pytest.mark.parametrize("given", ["10", "8e", "0", "", True, 3.5, "band"])
def test_unknown_bands_are_refused(given: object) -> None:
    with pytest.raises(ValueError):
        domain.parse_band(given)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Administrative and Clerical", StaffGroup.ADMINISTRATIVE_CLERICAL),
        ("administrative_clerical", StaffGroup.ADMINISTRATIVE_CLERICAL),
        ("Add Prof Scientific and Technic", StaffGroup.ADD_PROF_SCIENTIFIC_TECHNICAL),
        ("Nursing & Midwifery Registered", StaffGroup.NURSING_MIDWIFERY_REGISTERED),
        ("  STUDENTS ", StaffGroup.STUDENTS),
    ],
)
def test_esr_staff_group_labels(given: str, expected: StaffGroup) -> None:
    assert domain.parse_staff_group(given) is expected


def test_unknown_staff_group_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown staff group"):
        domain.parse_staff_group("Wizards")


def test_uk_dates_are_read_and_impossible_ones_refused() -> None:
    assert domain.parse_extract_date("31/03/2025") == date(2025, 3, 31)
    assert domain.parse_extract_date("2025-03-31") == "2025-03-31"  # left to pydantic
    with pytest.raises(ValueError):
        domain.parse_extract_date("31/02/2025")


def _row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "person_id": "10000001",
        "org_code": "r1h",
        "job_title": "Ward Manager",
        "staff_group": "Nursing and Midwifery Registered",
        "band": "7",
        "start_date": "01/04/2019",
        "status": "Active",
    }
    row.update(overrides)
    return row


def test_row_normalises_codes() -> None:
    row = PersonRow.model_validate(_row(ethnicity="A", sex="F", disability="Not Declared"))
    assert row.org_code == "R1H"
    assert row.status is PersonStatus.ACTIVE
    assert row.start_date == date(2019, 4, 1)
    assert row.is_line_manager is None
    assert row.protected_characteristics == {
        "ethnic_category": "A",
        "disability": "not_declared",
        "sex": "female",
    }


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"person_id": "has space"}, "person_id"),
        ({"org_code": "TOOLONG"}, "org_code"),
        ({"band": "12"}, "band"),
        ({"ethnic_category": "I"}, "ethnic_category"),
        ({"status": "retired"}, "status"),
        ({"shoe_size": "9"}, "shoe_size"),
    ],
)
def test_row_field_errors_name_the_field(overrides: dict[str, object], path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PersonRow.model_validate(_row(**overrides))
    assert [".".join(map(str, e["loc"])) for e in caught.value.errors()] == [path]


def test_row_rules_across_fields() -> None:
    def types(**kwargs: object) -> list[str]:
        base: dict[str, object] = {
            "person_id": "1",
            "line_manager_id": None,
            "status": PersonStatus.ACTIVE,
            "start_date": date(2020, 1, 1),
            "left_on": None,
        }
        base.update(kwargs)
        return [v.type for v in domain.row_violations(**base)]  # type: ignore[arg-type]

    assert types() == []
    assert types(status=PersonStatus.LEFT) == ["leaver_without_date"]
    assert types(left_on=date(2021, 1, 1)) == ["active_with_left_on"]
    assert types(status=PersonStatus.LEFT, left_on=date(2019, 1, 1)) == ["left_before_start"]
    assert types(line_manager_id="1") == ["self_managed"]
    assert types(start_date=date(1948, 7, 4)) == ["before_nhs"]


def _person(**overrides: object) -> PublishedPerson:
    values: dict[str, object] = {
        "org_code": "R1H",
        "staff_group": StaffGroup.NURSING_MIDWIFERY_REGISTERED,
        "band": Band.BAND_7,
        "job_title": "Ward Manager",
        "line_manager_id": None,
        "is_line_manager": False,
        "start_date": date(2019, 4, 1),
        "status": PersonStatus.ACTIVE,
        "left_on": None,
    }
    values.update(overrides)
    return PublishedPerson(**values)  # type: ignore[arg-type]


def test_changed_fields() -> None:
    before = _person()
    assert domain.changed_fields(None, before) == domain.PUBLISHED_FIELDS
    assert domain.changed_fields(before, _person()) == ()
    after = _person(band=Band.BAND_8A, job_title="Matron")
    assert domain.changed_fields(before, after) == ("band", "job_title")


def test_only_a_leaver_can_be_taken_over_by_another_organisation() -> None:
    def reaches(org: str) -> bool:
        return org == "RAL"

    assert domain.may_overwrite(
        recorded_org_code="RAL", recorded_status=PersonStatus.ACTIVE, reaches=reaches
    )
    assert not domain.may_overwrite(
        recorded_org_code="R1H", recorded_status=PersonStatus.ACTIVE, reaches=reaches
    )
    assert domain.may_overwrite(
        recorded_org_code="R1H", recorded_status=PersonStatus.LEFT, reaches=reaches
    )


# ---- the extract reader -------------------------------------------------------------------


def test_media_types() -> None:
    assert format_for("application/x-ndjson; charset=utf-8") is ExtractFormat.NDJSON
    assert format_for("text/csv") is ExtractFormat.CSV
    with pytest.raises(ProblemError) as caught:
        format_for("application/json")
    assert caught.value.status == 415


def test_ndjson_lines_are_numbered_and_bad_lines_kept_as_unreadable() -> None:
    body = b'{"person_id": "1"}\n\n  \nnot json\n[1, 2]\n{"person_id": " "}\n'
    records = parse_extract(body, ExtractFormat.NDJSON, max_rows=10)
    assert [r.line for r in records] == [1, 4, 5, 6]
    assert records[0].values == {"person_id": "1"}
    assert records[1].unreadable is not None and records[1].unreadable.type == "json_invalid"
    assert records[2].unreadable is not None and records[2].unreadable.type == "json_type"
    assert records[3].values == {}  # blank means absent


def test_csv_header_is_normalised_and_checked() -> None:
    body = (
        "\ufeffPerson ID,Org Code,Job Title,Staff Group,Band,Start Date,Status,Left On\n"
        '1,R1H,"Nurse, Senior",Students,5,2020-01-01,active,\n'
        "\n"
        "2,R1H,Nurse,Students,5,2020-01-01,active,,extra\n"
    ).encode()
    records = parse_extract(body, ExtractFormat.CSV, max_rows=10)
    assert [r.line for r in records] == [2, 4]
    assert records[0].values["job_title"] == "Nurse, Senior"
    assert "left_on" not in records[0].values
    assert records[1].unreadable is not None and records[1].unreadable.type == "csv_extra_values"

    with pytest.raises(ProblemError) as caught:
        parse_extract(b"person_id,colour\n1,red\n", ExtractFormat.CSV, max_rows=10)
    assert caught.value.status == 422
    paths = {e["path"] for e in caught.value.extra["errors"]}
    assert {"header.colour", "header.org_code", "header.band"} <= paths


def test_row_limit_and_empty_uploads() -> None:
    with pytest.raises(ProblemError) as caught:
        parse_extract(b"{}\n{}\n{}\n", ExtractFormat.NDJSON, max_rows=2)
    assert caught.value.status == 413
    with pytest.raises(ProblemError) as caught:
        parse_extract(b"\n\n", ExtractFormat.NDJSON, max_rows=2)
    assert caught.value.status == 422
    with pytest.raises(ProblemError) as caught:
        parse_extract(b"\xff\xfe", ExtractFormat.NDJSON, max_rows=2)
    assert caught.value.status == 400
