import csv
import dataclasses
import io
from collections import Counter
from importlib import resources

import pytest

from shared import reference
from shared.reference import (
    Organisation,
    OrgType,
    all_organisations,
    get_organisation,
    icb_of,
    is_foundation_trust,
    organisations_in_icb,
    organisations_in_region,
    organisations_of_type,
    region_of,
    regions,
)
from shared.reference import organisations as organisations_module

TRUST_TYPES = (OrgType.NHS_TRUST, OrgType.FOUNDATION_TRUST)


def _raw_rows() -> list[dict[str, str]]:
    text = resources.files("shared.reference").joinpath("organisations.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


# --- the shipped file -----------------------------------------------------------------------------


def test_data_file_is_a_package_resource() -> None:
    data = resources.files("shared.reference").joinpath("organisations.csv")
    assert data.is_file()
    assert data.read_text("utf-8").startswith("ods_code,name,org_type,region_code,icb_code")


def test_readme_ships_beside_the_data() -> None:
    assert resources.files("shared.reference").joinpath("README.md").is_file()


def test_every_row_is_loaded() -> None:
    assert len(all_organisations()) == len(_raw_rows()) == 254


# --- counts ---------------------------------------------------------------------------------------


def test_counts_by_type() -> None:
    assert Counter(org.org_type for org in all_organisations()) == {
        OrgType.REGION: 7,
        OrgType.ICB: 42,
        OrgType.NHS_TRUST: 62,
        OrgType.FOUNDATION_TRUST: 143,
    }


@pytest.mark.parametrize(
    ("org_type", "expected"),
    [
        (OrgType.REGION, 7),
        (OrgType.ICB, 42),
        (OrgType.NHS_TRUST, 62),
        (OrgType.FOUNDATION_TRUST, 143),
    ],
)
def test_organisations_of_type(org_type: OrgType, expected: int) -> None:
    found = organisations_of_type(org_type)
    assert len(found) == expected
    assert all(org.org_type is org_type for org in found)


def test_regions_are_the_seven_nhs_england_regions() -> None:
    assert {org.ods_code: org.name for org in regions()} == {
        "Y56": "London",
        "Y58": "South West",
        "Y59": "South East",
        "Y60": "Midlands",
        "Y61": "East of England",
        "Y62": "North West",
        "Y63": "North East and Yorkshire",
    }


def test_ods_codes_are_unique() -> None:
    codes = [org.ods_code for org in all_organisations()]
    assert len(codes) == len(set(codes))


# --- known organisations --------------------------------------------------------------------------


def test_known_foundation_trust() -> None:
    assert get_organisation("R0A") == Organisation(
        ods_code="R0A",
        name="MANCHESTER UNIVERSITY NHS FOUNDATION TRUST",
        org_type=OrgType.FOUNDATION_TRUST,
        region_code="Y62",
        icb_code="QOP",
    )
    assert region_of("R0A") == "Y62"
    assert icb_of("R0A") == "QOP"
    assert is_foundation_trust("R0A")


def test_known_nhs_trust() -> None:
    trust = get_organisation("RXF")
    assert trust is not None
    assert trust.name == "MID YORKSHIRE TEACHING NHS TRUST"
    assert trust.org_type is OrgType.NHS_TRUST
    assert trust.is_trust
    assert region_of("RXF") == "Y63"
    assert icb_of("RXF") == "QWO"
    assert not is_foundation_trust("RXF")


def test_known_icb() -> None:
    icb = get_organisation("QWO")
    assert icb is not None
    assert icb.name == "NHS West Yorkshire Integrated Care Board"
    assert icb.org_type is OrgType.ICB
    assert icb.icb_code is None
    assert region_of("QWO") == "Y63"
    assert icb_of("QWO") == "QWO"  # an ICB is its own ICB


def test_region_is_its_own_region_and_has_no_icb() -> None:
    london = get_organisation("Y56")
    assert london is not None
    assert london.region_code is None
    assert region_of("Y56") == "Y56"
    assert icb_of("Y56") is None


def test_unusual_codes_from_the_readme() -> None:
    # A new-format 5-character trust code, and a T-code trust that is not in the ODS etr file.
    assert region_of("G6V2S") == "Y56"
    assert icb_of("G6V2S") == "QMJ"
    assert is_foundation_trust("TAD")
    assert icb_of("TAD") == "QWO"


def test_names_with_commas_survive_csv_quoting() -> None:
    trust = get_organisation("RX3")
    assert trust is not None
    assert trust.name == "TEES, ESK AND WEAR VALLEYS NHS FOUNDATION TRUST"


@pytest.mark.parametrize("code", ["r0a", " R0A ", "r0A\n"])
def test_lookups_ignore_case_and_surrounding_space(code: str) -> None:
    org = get_organisation(code)
    assert org is not None
    assert org.ods_code == "R0A"
    assert region_of(code) == "Y62"
    assert icb_of(code) == "QOP"
    assert is_foundation_trust(code)


@pytest.mark.parametrize("code", ["", "XXX", "R0", "RXFX"])
def test_unknown_codes(code: str) -> None:
    assert get_organisation(code) is None
    assert region_of(code) is None
    assert icb_of(code) is None
    assert not is_foundation_trust(code)
    assert organisations_in_region(code) == ()
    assert organisations_in_icb(code) == ()


def test_organisation_is_frozen() -> None:
    org = get_organisation("R0A")
    assert org is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        org.name = "renamed"  # type: ignore[misc]


def test_org_type_is_a_str_enum() -> None:
    assert OrgType("FOUNDATION_TRUST") is OrgType.FOUNDATION_TRUST
    assert f"{OrgType.ICB}" == "ICB"


# --- groupings ------------------------------------------------------------------------------------


def test_organisations_in_icb() -> None:
    codes = {org.ods_code for org in organisations_in_icb("qwo")}
    assert len(codes) == 10
    assert {"RXF", "TAD"} <= codes
    assert "QWO" not in codes


def test_organisations_in_region() -> None:
    london = organisations_in_region("Y56")
    assert len(london) == 36
    assert all(region_of(org.ods_code) == "Y56" for org in london)
    assert "Y56" not in {org.ods_code for org in london}
    assert Counter(org.org_type for org in london)[OrgType.ICB] == 5


def test_every_icb_and_trust_is_in_exactly_one_region_listing() -> None:
    listed = [org for region in regions() for org in organisations_in_region(region.ods_code)]
    assert sorted(org.ods_code for org in listed) == sorted(
        org.ods_code for org in all_organisations() if org.org_type is not OrgType.REGION
    )


def test_icb_listings_cover_every_trust() -> None:
    listed = [
        org
        for icb in organisations_of_type(OrgType.ICB)
        for org in organisations_in_icb(icb.ods_code)
    ]
    trusts = [org for org in all_organisations() if org.org_type in TRUST_TYPES]
    assert sorted(org.ods_code for org in listed) == sorted(org.ods_code for org in trusts)


# --- referential integrity ------------------------------------------------------------------------


def test_every_trust_has_a_region_and_icb_that_exist() -> None:
    for trust in all_organisations():
        if trust.org_type not in TRUST_TYPES:
            continue
        assert trust.region_code is not None, trust
        assert trust.icb_code is not None, trust
        region = get_organisation(trust.region_code)
        icb = get_organisation(trust.icb_code)
        assert region is not None and region.org_type is OrgType.REGION, trust
        assert icb is not None and icb.org_type is OrgType.ICB, trust
        # The host ICB sits in the same region as the trust.
        assert icb.region_code == trust.region_code, trust


def test_every_icb_has_a_region_that_exists() -> None:
    for icb in organisations_of_type(OrgType.ICB):
        assert icb.icb_code is None, icb
        assert icb.region_code is not None, icb
        region = get_organisation(icb.region_code)
        assert region is not None and region.org_type is OrgType.REGION, icb


def test_regions_have_no_parents() -> None:
    for region in regions():
        assert region.region_code is None
        assert region.icb_code is None


def test_every_region_has_icbs_and_every_icb_hosts_a_trust() -> None:
    for region in regions():
        assert any(org.org_type is OrgType.ICB for org in organisations_in_region(region.ods_code))
    for icb in organisations_of_type(OrgType.ICB):
        assert organisations_in_icb(icb.ods_code), icb


def test_foundation_trust_type_matches_legal_name() -> None:
    for org in all_organisations():
        if org.org_type is OrgType.FOUNDATION_TRUST:
            assert "NHS FOUNDATION TRUST" in org.name.upper(), org
        elif org.org_type is OrgType.NHS_TRUST:
            assert "NHS TRUST" in org.name.upper(), org
            assert "FOUNDATION TRUST" not in org.name.upper(), org


# --- loading --------------------------------------------------------------------------------------


def test_registry_is_loaded_once_and_lazily() -> None:
    organisations_module._registry.cache_clear()
    assert organisations_module._registry.cache_info().currsize == 0
    first = all_organisations()
    assert all_organisations() is first
    get_organisation("R0A")
    region_of("RXF")
    info = organisations_module._registry.cache_info()
    assert info.misses == 1
    assert info.currsize == 1


def test_package_reexports_the_api() -> None:
    assert set(reference.__all__) == set(organisations_module.__all__)
