"""The configured distributions of the synthetic NHS workforce, with where each comes from.

Every figure is tagged as in the team's workforce-figures notes (see ``README.md`` beside this
file for the published sources): ``SOURCED`` is a published figure, ``DERIVED`` is arithmetic on
published figures, ``ASSUMPTION`` is a modelling placeholder where no national figure was found.
Assumptions are kept here, in one place, so they can be replaced when the official tables
(NHS Digital workforce statistics by band and staff group) are pulled in.

Shares are probabilities; each table is normalised where it is used, since the published
shares are rounded and do not add up to exactly 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

# -- size and organisations -------------------------------------------------------------------

#: HCHS headcount, England: about 1.5 million (King's Fund "NHS workforce in a nutshell";
#: NHS Digital, Dec 2024). SOURCED.
FULL_SIZE = 1_500_000
#: The quick size of the generator and of the test.
QUICK_SIZE = 20_000
#: About 25,000 of the directly employed staff work for ICBs (Nuffield Trust, Jun 2023). SOURCED.
ICB_STAFF = 25_000
ICB_SHARE = ICB_STAFF / FULL_SIZE  # DERIVED: about 1.7%
#: Spread of organisation sizes (log-normal sigma). ASSUMPTION: no per-trust headcount table was
#: retrieved; 0.55 gives trusts from about 2,000 to about 25,000 staff around a mean of 7,000.
TRUST_SIZE_SIGMA = 0.55
ICB_SIZE_SIGMA = 0.35
#: The extract's "as at" date: start dates are drawn before it.
REFERENCE_DATE = date(2025, 3, 31)

# -- Agenda for Change bands ------------------------------------------------------------------

#: Share of headcount by pay band. ASSUMPTION (the placeholder table of the workforce figures,
#: §2: no national headcount split by band was found); the medical share matches the SOURCED
#: 157k HCHS doctors of 1.5M (10.5%) and VSM the DERIVED ~3,000 VSMs (0.2%).
BAND_SHARES: Mapping[str, float] = {
    "1": 0.002,
    "2": 0.14,
    "3": 0.12,
    "4": 0.08,
    "5": 0.19,
    "6": 0.18,
    "7": 0.12,
    "8a": 0.04,
    "8b": 0.016,
    "8c": 0.008,
    "8d": 0.004,
    "9": 0.0015,
    "VSM": 0.002,
    "medical": 0.10,
}

#: Bands in order of seniority (the line-management hierarchy follows it).
BAND_RANK: Mapping[str, int] = {
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "5": 5,
    "6": 6,
    "7": 7,
    "8a": 8,
    "8b": 9,
    "8c": 10,
    "8d": 11,
    "9": 12,
    "VSM": 13,
    "medical": 7,  # consultants are ranked higher where they are drawn (see the generator)
}

SENIOR_BANDS = frozenset({"8c", "8d", "9", "VSM"})

#: Share of the staff of each rank who manage people (rank as ``BAND_RANK``; consultants rank
#: 9, other doctors 6). ASSUMPTION: no national figure was retrieved; these make about 13% of
#: staff line managers, about one manager for every seven or eight staff.
MANAGER_SHARE_BY_RANK: Mapping[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.03,
    4: 0.03,
    5: 0.03,
    6: 0.1,
    7: 0.3,
    8: 0.5,
    9: 0.4,
    10: 1.0,
    11: 1.0,
    12: 1.0,
    13: 1.0,
}

# -- staff groups -----------------------------------------------------------------------------

#: ESR staff group labels, as an HR extract spells them (talent's import accepts them).
STAFF_GROUP_LABELS: Mapping[str, str] = {
    "add_prof_scientific_technical": "Add Prof Scientific and Technic",
    "additional_clinical_services": "Additional Clinical Services",
    "administrative_clerical": "Administrative and Clerical",
    "allied_health_professionals": "Allied Health Professionals",
    "estates_ancillary": "Estates and Ancillary",
    "healthcare_scientists": "Healthcare Scientists",
    "medical_dental": "Medical and Dental",
    "nursing_midwifery_registered": "Nursing and Midwifery Registered",
    "students": "Students",
}

#: Staff group given the band. ASSUMPTION throughout, except that medical and dental staff are
#: exactly the medical pay band: no national band-by-staff-group table was retrieved (the
#: official one is NHS Digital's workforce statistics by staff group and AfC band).
STAFF_GROUP_GIVEN_BAND: Mapping[str, Mapping[str, float]] = {
    "1": {"estates_ancillary": 0.6, "administrative_clerical": 0.2,
          "additional_clinical_services": 0.2},
    "2": {"additional_clinical_services": 0.6, "estates_ancillary": 0.2,
          "administrative_clerical": 0.2},
    "3": {"additional_clinical_services": 0.5, "administrative_clerical": 0.38,
          "estates_ancillary": 0.06, "add_prof_scientific_technical": 0.03, "students": 0.03},
    "4": {"administrative_clerical": 0.5, "additional_clinical_services": 0.3,
          "add_prof_scientific_technical": 0.1, "students": 0.05, "estates_ancillary": 0.03,
          "healthcare_scientists": 0.02},
    "5": {"nursing_midwifery_registered": 0.6, "allied_health_professionals": 0.14,
          "administrative_clerical": 0.14, "add_prof_scientific_technical": 0.06,
          "healthcare_scientists": 0.04, "estates_ancillary": 0.02},
    "6": {"nursing_midwifery_registered": 0.48, "allied_health_professionals": 0.2,
          "administrative_clerical": 0.13, "add_prof_scientific_technical": 0.1,
          "healthcare_scientists": 0.07, "estates_ancillary": 0.02},
    "7": {"nursing_midwifery_registered": 0.44, "allied_health_professionals": 0.2,
          "administrative_clerical": 0.16, "add_prof_scientific_technical": 0.12,
          "healthcare_scientists": 0.06, "estates_ancillary": 0.02},
    "8a": {"administrative_clerical": 0.35, "nursing_midwifery_registered": 0.3,
           "add_prof_scientific_technical": 0.15, "allied_health_professionals": 0.12,
           "healthcare_scientists": 0.05, "estates_ancillary": 0.03},
    "8b": {"administrative_clerical": 0.45, "nursing_midwifery_registered": 0.25,
           "add_prof_scientific_technical": 0.15, "allied_health_professionals": 0.08,
           "healthcare_scientists": 0.04, "estates_ancillary": 0.03},
    "8c": {"administrative_clerical": 0.55, "nursing_midwifery_registered": 0.2,
           "add_prof_scientific_technical": 0.12, "allied_health_professionals": 0.06,
           "healthcare_scientists": 0.04, "estates_ancillary": 0.03},
    "8d": {"administrative_clerical": 0.6, "nursing_midwifery_registered": 0.18,
           "add_prof_scientific_technical": 0.1, "allied_health_professionals": 0.05,
           "healthcare_scientists": 0.04, "estates_ancillary": 0.03},
    "9": {"administrative_clerical": 0.65, "nursing_midwifery_registered": 0.15,
          "add_prof_scientific_technical": 0.1, "allied_health_professionals": 0.04,
          "healthcare_scientists": 0.03, "estates_ancillary": 0.03},
    "VSM": {"administrative_clerical": 0.8, "nursing_midwifery_registered": 0.15,
            "allied_health_professionals": 0.05},
    "medical": {"medical_dental": 1.0},
}  # fmt: skip

# -- sex --------------------------------------------------------------------------------------

#: Share of women by staff group. SOURCED for hospital doctors (45%), nursing (89%) and clinical
#: support staff (83%: additional clinical services) from NHS Digital, Sep 2018; the whole
#: workforce is 77% women (SOURCED, same release). The other groups are ASSUMPTION, set so that
#: the overall share comes to about 77%. VSM uses the 43% women of provider boards (SOURCED,
#: NHS Improvement 2017 board survey) rounded to 45%.
FEMALE_SHARE: Mapping[str, float] = {
    "medical_dental": 0.45,
    "nursing_midwifery_registered": 0.89,
    "additional_clinical_services": 0.83,
    "administrative_clerical": 0.80,
    "allied_health_professionals": 0.84,
    "add_prof_scientific_technical": 0.72,
    "healthcare_scientists": 0.60,
    "estates_ancillary": 0.45,
    "students": 0.80,
    "VSM": 0.45,
}
OVERALL_FEMALE_SHARE_PUBLISHED = 0.77

# -- ethnicity --------------------------------------------------------------------------------

#: Broad ethnic groups, share of all staff. ASSUMPTION (the workforce figures' 2023-24
#: placeholder, consistent with the SOURCED WRES BME shares of 26.4% in 2023 and 28.6% in 2024
#: and about 4% unknown).
ETHNIC_GROUP_SHARES: Mapping[str, float] = {
    "white": 0.68,
    "asian": 0.135,
    "black": 0.09,
    "mixed": 0.02,
    "chinese": 0.007,
    "other": 0.03,
    "unknown": 0.04,
}
BME_GROUPS = ("asian", "black", "mixed", "chinese", "other")

#: BME share (of all staff) where a published figure exists: doctors 47.5% and nurses 33.6%
#: (WRES 2023, SOURCED), VSMs 12.7% (WRES 2024, SOURCED). Every other group gets the share that
#: keeps the whole workforce at the configured overall BME share (DERIVED in the generator).
BME_SHARE_BY_GROUP: Mapping[str, float] = {
    "medical_dental": 0.475,
    "nursing_midwifery_registered": 0.336,
    "VSM": 0.127,
}

#: NHS Data Dictionary ethnic category codes within each broad group (DOMAIN §8.4 code set).
#: The split inside a group is ASSUMPTION (no breakdown below the broad groups was retrieved).
ETHNIC_CODES: Mapping[str, Mapping[str, float]] = {
    "white": {"A": 0.78, "B": 0.02, "C": 0.20},
    "mixed": {"D": 0.25, "E": 0.15, "F": 0.30, "G": 0.30},
    "asian": {"H": 0.55, "J": 0.20, "K": 0.07, "L": 0.18},
    "black": {"M": 0.20, "N": 0.72, "P": 0.08},
    "chinese": {"R": 1.0},
    "other": {"S": 1.0},
    "unknown": {"Z": 0.5, "99": 0.5},
}

# -- disability -------------------------------------------------------------------------------

#: ESR disability declaration. "yes" is SOURCED: 4.9% of staff in ESR declared a disability in
#: 2023 (WDES 2023), and 2.2% of staff in senior posts (band 8c and above, board) did. The split
#: of the rest between no, not declared and not known is ASSUMPTION (not published nationally).
DISABILITY_SHARES: Mapping[str, float] = {
    "yes": 0.049,
    "no": 0.751,
    "not_declared": 0.08,
    "not_known": 0.12,
}
SENIOR_DISABILITY_YES = 0.022

# -- employment -------------------------------------------------------------------------------

#: Mean length of service in years (exponential, capped). ASSUMPTION: no national figure was
#: retrieved; a 10% yearly leaver rate (SOURCED: 10.1% to Sep 2024) implies a mean around 10.
MEAN_TENURE_YEARS = 9.0
MAX_TENURE_YEARS = 45.0
#: Default share of leavers in an extract: 0, an extract of staff in post. The yearly rate to
#: use for an extract of a year's movements is 10.1% (SOURCED, NHS England, Mar 2025).
LEAVER_SHARE = 0.0
PUBLISHED_LEAVER_RATE = 0.101


@dataclass(frozen=True)
class Config:
    """Everything the generator draws from; the defaults are the tables above."""

    band_shares: Mapping[str, float] = field(default_factory=lambda: BAND_SHARES)
    staff_group_given_band: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: STAFF_GROUP_GIVEN_BAND
    )
    female_share: Mapping[str, float] = field(default_factory=lambda: FEMALE_SHARE)
    ethnic_group_shares: Mapping[str, float] = field(default_factory=lambda: ETHNIC_GROUP_SHARES)
    bme_share_by_group: Mapping[str, float] = field(default_factory=lambda: BME_SHARE_BY_GROUP)
    ethnic_codes: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: ETHNIC_CODES)
    disability_shares: Mapping[str, float] = field(default_factory=lambda: DISABILITY_SHARES)
    senior_disability_yes: float = SENIOR_DISABILITY_YES
    icb_share: float = ICB_SHARE
    leaver_share: float = LEAVER_SHARE
    mean_tenure_years: float = MEAN_TENURE_YEARS
    manager_share_by_rank: Mapping[int, float] = field(
        default_factory=lambda: MANAGER_SHARE_BY_RANK
    )

    # -- what the tables imply (the test compares generated data with these) ----------------

    def band_probabilities(self) -> dict[str, float]:
        return normalised(self.band_shares)

    def staff_group_probabilities(self) -> dict[str, float]:
        """Marginal staff-group shares implied by the band shares and the conditional table."""
        out: dict[str, float] = {}
        for band, p_band in self.band_probabilities().items():
            for group, p in normalised(self.staff_group_given_band[band]).items():
                out[group] = out.get(group, 0.0) + p_band * p
        return out

    def sex_key(self, band: str, staff_group: str) -> str:
        return "VSM" if band == "VSM" else staff_group

    def female_probability(self) -> float:
        """The overall share of women the tables imply."""
        total = 0.0
        for band, p_band in self.band_probabilities().items():
            for group, p in normalised(self.staff_group_given_band[band]).items():
                total += p_band * p * self.female_share[self.sex_key(band, group)]
        return total

    def ethnic_group_probabilities(self) -> dict[str, float]:
        return normalised(self.ethnic_group_shares)

    def overall_bme(self) -> float:
        shares = self.ethnic_group_probabilities()
        return sum(shares[g] for g in BME_GROUPS)

    def other_groups_bme(self) -> float:
        """The BME share of the groups without a published one, so that the overall is kept."""
        fixed_mass = fixed_bme = 0.0
        for band, p_band in self.band_probabilities().items():
            for group, p in normalised(self.staff_group_given_band[band]).items():
                key = self.sex_key(band, group)
                if key in self.bme_share_by_group:
                    fixed_mass += p_band * p
                    fixed_bme += p_band * p * self.bme_share_by_group[key]
        return (self.overall_bme() - fixed_bme) / (1 - fixed_mass)

    def bme_probability(self, key: str) -> float:
        return self.bme_share_by_group.get(key, self.other_groups_bme())

    def disability_probabilities(self, senior: bool) -> dict[str, float]:
        shares = normalised(self.disability_shares)
        if not senior:
            return shares
        rest = 1 - shares["yes"]
        scale = (1 - self.senior_disability_yes) / rest
        return {
            k: (self.senior_disability_yes if k == "yes" else v * scale) for k, v in shares.items()
        }

    def disability_marginal(self) -> dict[str, float]:
        senior = sum(p for b, p in self.band_probabilities().items() if b in SENIOR_BANDS)
        out: dict[str, float] = {}
        for flag, weight in ((True, senior), (False, 1 - senior)):
            for k, v in self.disability_probabilities(flag).items():
                out[k] = out.get(k, 0.0) + weight * v
        return out


def normalised(shares: Mapping[str, float]) -> dict[str, float]:
    total = sum(shares.values())
    if total <= 0:
        raise ValueError("a distribution needs a positive total")
    return {key: value / total for key, value in shares.items()}
