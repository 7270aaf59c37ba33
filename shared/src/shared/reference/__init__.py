"""Reference data the services share: NHS England regions, ICBs and trusts."""

from shared.reference.organisations import (
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
