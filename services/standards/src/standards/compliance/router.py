from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response

from shared.app import SessionDep, UnitOfWorkDep
from shared.disclosure import (
    DEFAULT_POLICY,
    ControlledCount,
    control_count,
    control_rate,
    control_table,
)
from shared.http.etag import IfMatchHeader, set_etag
from shared.http.pagination import Page, PageQuery, make_page
from shared.http.problems import Forbidden, NotFound
from standards.auth import StandardsAdmin, StandardsReader
from standards.compliance import service as compliance_service
from standards.compliance.domain import CURRENT, Audience, ItemStatus, english_day
from standards.compliance.models import AssignmentRule
from standards.compliance.schemas import (
    AssignmentRulePatch,
    AssignmentRuleRead,
    DisclosureRule,
    OrganisationCompliance,
    PersonComplianceRead,
    ProgrammeCompliance,
    RequirementRead,
)
from standards.identifiers import PERSON_ID_PATTERN

router = APIRouter(prefix="/v1", tags=["compliance"])

PersonIdPath = Annotated[str, Path(pattern=PERSON_ID_PATTERN, examples=["10293847"])]
OrgCodePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{3,5}$", examples=["RR8"])]


@router.get("/people/{person_id}/compliance", response_model=PersonComplianceRead)
async def get_person_compliance(
    person_id: PersonIdPath, principal: StandardsReader, session: SessionDep
) -> PersonComplianceRead:
    """The person's assigned programmes and their status today (complete, expiring within 90
    days, not yet due, overdue, expired)."""
    found = await compliance_service.get_person_compliance(session=session, person_id=person_id)
    if found is None:
        raise NotFound(f"No person {person_id} is known to this service")
    person, stored = found
    if not principal.can_see_org(person.org_code):
        # Not naming it: where someone works is personal data.
        raise Forbidden(f"This token does not reach the organisation of {person_id}")
    as_of = datetime.now(UTC)
    determination = await compliance_service.determine_person(session, person, as_of)
    summary = determination.summary
    return PersonComplianceRead(
        person_id=person.person_id,
        org_code=person.org_code,
        as_of=english_day(as_of),
        applicable=summary.applicable,
        statutory_mandatory_complete=summary.statutory_mandatory_complete,
        overdue_programme_codes=list(summary.overdue),
        expired_programme_codes=list(summary.expired),
        expiring_programme_codes=list(summary.expiring),
        determination_id=stored.determination_id if stored is not None else None,
        requirements=[
            RequirementRead(
                programme_code=r.programme_code,
                category=r.category,
                due_on=r.due_on,
                status=r.status,
                completed_at=r.completed_at,
                expires_on=r.expires_on,
                rule_codes=list(r.rule_codes),
            )
            for r in determination.requirements
        ],
    )


def _sum(cells: list[ControlledCount]) -> ControlledCount:
    if any(cell.value is None for cell in cells):
        return ControlledCount(None, True)
    return ControlledCount(sum(cell.value or 0 for cell in cells), False)


@router.get("/organisations/{org_code}/compliance", response_model=OrganisationCompliance)
async def get_organisation_compliance(
    org_code: OrgCodePath, principal: StandardsReader, session: SessionDep
) -> OrganisationCompliance:
    """Per programme: people assigned, complete, expiring within 90 days, not yet due, overdue
    and expired, as last determined, after disclosure control."""
    code = org_code.upper()
    principal.require_org(code)
    programmes = []
    for entry in await compliance_service.organisation_counts(session=session, org_code=code):
        # The five statuses partition the assigned people, whose total is published too:
        # control them as one table so no hidden cell can be recovered by subtraction.
        cells = control_table({status: entry.counts[status] for status in ItemStatus})
        assigned = control_count(sum(entry.counts.values()))
        current = _sum([cells[status] for status in sorted(CURRENT)])
        programmes.append(
            ProgrammeCompliance(
                programme_code=entry.programme_code,
                title=entry.title,
                category=entry.category,
                assigned=assigned.to_json(),
                complete=cells[ItemStatus.COMPLETE].to_json(),
                expiring_within_90_days=cells[ItemStatus.EXPIRING].to_json(),
                not_yet_due=cells[ItemStatus.NOT_YET_DUE].to_json(),
                overdue=cells[ItemStatus.OVERDUE].to_json(),
                expired=cells[ItemStatus.EXPIRED].to_json(),
                completion_rate_percent=control_rate(current, assigned).to_json(),
            )
        )
    return OrganisationCompliance(
        org_code=code,
        disclosure=DisclosureRule(
            suppress_below_or_equal=DEFAULT_POLICY.suppress_below_or_equal,
            rounding_base=DEFAULT_POLICY.rounding_base,
        ),
        programmes=programmes,
    )


RuleCodePath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,39}$", examples=["JOINER-INDUCTION"])
]


def _rule_read(rule: AssignmentRule) -> AssignmentRuleRead:
    return AssignmentRuleRead(
        code=rule.code,
        title=rule.title,
        audience=Audience(rule.audience),
        programme_code=rule.programme_code,
        due_days=rule.due_days,
        staff_groups=rule.staff_groups,
        joined_on_or_after=rule.joined_on_or_after,
        effective_from=rule.effective_from,
        active=rule.active,
        version=rule.version,
    )


@router.get("/assignment-rules", response_model=Page[AssignmentRuleRead])
async def list_assignment_rules(
    page: PageQuery, principal: StandardsReader, session: SessionDep
) -> Page[AssignmentRuleRead]:
    """Who must complete what, by when (national configuration), ordered by code."""
    rows = await compliance_service.list_rules(session=session, page=page)
    return make_page(rows, page, key_fn=lambda r: (r.code, r.code), item=_rule_read)


@router.get("/assignment-rules/{code}", response_model=AssignmentRuleRead)
async def get_assignment_rule(
    code: RuleCodePath, principal: StandardsReader, session: SessionDep, response: Response
) -> AssignmentRuleRead:
    rule = await compliance_service.require_rule(session=session, code=code)
    set_etag(response, rule.code, rule.version)
    return _rule_read(rule)


@router.patch("/assignment-rules/{code}", response_model=AssignmentRuleRead)
async def change_assignment_rule(
    code: RuleCodePath,
    body: AssignmentRulePatch,
    principal: StandardsAdmin,
    uow: UnitOfWorkDep,
    if_match: IfMatchHeader,
    response: Response,
) -> AssignmentRuleRead:
    """Change a rule's days, audience filters or activity (If-Match). Everyone's compliance is
    worked out again by the next sweep, which publishes what changed."""
    rule = await compliance_service.change_rule(
        session=uow.session,
        code=code,
        patch=body,
        if_match=if_match,
        today=english_day(datetime.now(UTC)),
    )
    result = _rule_read(rule)
    await uow.commit()
    set_etag(response, rule.code, rule.version)
    return result
