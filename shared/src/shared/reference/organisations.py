"""English NHS regions, ICBs, NHS trusts and foundation trusts, keyed by ODS code.

The data is the ``organisations.csv`` file shipped beside this module (its sources and snapshot date
are in ``README.md`` beside it). It is read on first use and kept for the life of the process.

Every lookup takes an ODS code in any letter case and with surrounding spaces, since codes arrive
from HR extracts and URLs typed by people; unknown codes give ``None`` or an empty result rather
than an error, so callers decide whether an unknown organisation is a fault.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources

__all__ = [
    "OrgType",
    "Organisation",
    "all_organisations",
    "get_organisation",
    "icb_of",
    "is_foundation_trust",
    "organisations_in_icb",
    "organisations_in_region",
    "organisations_of_type",
    "region_of",
    "regions",
]

_DATA_FILE = "organisations.csv"
_COLUMNS = ("ods_code", "name", "org_type", "region_code", "icb_code")


class OrgType(StrEnum):
    REGION = "REGION"
    ICB = "ICB"
    NHS_TRUST = "NHS_TRUST"
    FOUNDATION_TRUST = "FOUNDATION_TRUST"


@dataclass(frozen=True, slots=True)
class Organisation:
    """One organisation as the reference file records it.

    ``region_code`` is ``None`` for a region and ``icb_code`` is ``None`` for regions and ICBs; use
    ``region_of`` and ``icb_of`` to get an answer for every type. A trust's ``icb_code`` is its ODS
    host ICB, not every ICB it serves.
    """

    ods_code: str
    name: str
    org_type: OrgType
    region_code: str | None
    icb_code: str | None

    @property
    def is_trust(self) -> bool:
        return self.org_type in (OrgType.NHS_TRUST, OrgType.FOUNDATION_TRUST)


@dataclass(frozen=True, slots=True)
class _Registry:
    ordered: tuple[Organisation, ...]
    by_code: dict[str, Organisation]
    by_type: dict[OrgType, tuple[Organisation, ...]]
    by_region: dict[str, tuple[Organisation, ...]]
    by_icb: dict[str, tuple[Organisation, ...]]


def _normalise(code: str) -> str:
    return code.strip().upper()


def _optional(value: str) -> str | None:
    value = value.strip()
    return value.upper() if value else None


def _read_rows() -> list[Organisation]:
    # Through importlib.resources so the file is found inside an installed wheel or a zip import,
    # not just in a source checkout.
    text = resources.files("shared.reference").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    with io.StringIO(text) as handle:
        reader = csv.DictReader(handle)
        missing = set(_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{_DATA_FILE} lacks columns: {sorted(missing)}")
        return [
            Organisation(
                ods_code=_normalise(row["ods_code"]),
                name=row["name"].strip(),
                org_type=OrgType(row["org_type"].strip()),
                region_code=_optional(row["region_code"]),
                icb_code=_optional(row["icb_code"]),
            )
            for row in reader
        ]


@lru_cache(maxsize=1)
def _registry() -> _Registry:
    ordered = tuple(_read_rows())
    by_code: dict[str, Organisation] = {}
    by_type: defaultdict[OrgType, list[Organisation]] = defaultdict(list)
    by_region: defaultdict[str, list[Organisation]] = defaultdict(list)
    by_icb: defaultdict[str, list[Organisation]] = defaultdict(list)
    for org in ordered:
        # ODS never reuses a code, so a repeat means the file was edited wrongly.
        if org.ods_code in by_code:
            raise ValueError(f"{_DATA_FILE} lists ODS code {org.ods_code} twice")
        by_code[org.ods_code] = org
        by_type[org.org_type].append(org)
        if org.region_code is not None:
            by_region[org.region_code].append(org)
        if org.icb_code is not None:
            by_icb[org.icb_code].append(org)
    return _Registry(
        ordered=ordered,
        by_code=by_code,
        by_type={org_type: tuple(orgs) for org_type, orgs in by_type.items()},
        by_region={code: tuple(orgs) for code, orgs in by_region.items()},
        by_icb={code: tuple(orgs) for code, orgs in by_icb.items()},
    )


def get_organisation(ods_code: str) -> Organisation | None:
    """The organisation with this ODS code, or ``None`` if the reference file does not list it."""
    return _registry().by_code.get(_normalise(ods_code))


def all_organisations() -> tuple[Organisation, ...]:
    """Every organisation, in file order."""
    return _registry().ordered


def organisations_of_type(org_type: OrgType) -> tuple[Organisation, ...]:
    return _registry().by_type.get(OrgType(org_type), ())


def regions() -> tuple[Organisation, ...]:
    """The NHS England regions."""
    return organisations_of_type(OrgType.REGION)


def region_of(ods_code: str) -> str | None:
    """The region code of an organisation: a region's own code, or the region of an ICB or trust."""
    org = get_organisation(ods_code)
    if org is None:
        return None
    if org.org_type is OrgType.REGION:
        return org.ods_code
    return org.region_code


def icb_of(ods_code: str) -> str | None:
    """The ICB code of an organisation: an ICB's own, a trust's host ICB, ``None`` for a region."""
    org = get_organisation(ods_code)
    if org is None:
        return None
    if org.org_type is OrgType.ICB:
        return org.ods_code
    return org.icb_code


def organisations_in_region(region_code: str) -> tuple[Organisation, ...]:
    """The ICBs and trusts in a region (not the region itself), in file order."""
    return _registry().by_region.get(_normalise(region_code), ())


def organisations_in_icb(icb_code: str) -> tuple[Organisation, ...]:
    """The trusts hosted by an ICB (not the ICB itself), in file order."""
    return _registry().by_icb.get(_normalise(icb_code), ())


def is_foundation_trust(ods_code: str) -> bool:
    org = get_organisation(ods_code)
    return org is not None and org.org_type is OrgType.FOUNDATION_TRUST
