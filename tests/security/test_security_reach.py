"""Reach: a token bound to one organisation or region never sees another organisation's records.

For every GET operation of every service (read from its OpenAPI document, so a new endpoint is
covered without editing this file), records of two organisations in different regions are
seeded through the services' own APIs: Leeds Teaching Hospitals (RR8, region Y63) and Guy's and
St Thomas' (RJ1, region Y56). Each operation is then called for each organisation's records,
with its path parameters filled from that organisation's seeded records, by four tokens that
hold every scope (``national`` included, which must not widen a bound token):

- the owner's organisation (``org``) and the owner's region (``region``): a read answers 200 with
  the owner's record; a list answers 200 with at least one of the owner's records and none of
  the other organisation's;
- the other organisation and the other region: a read answers 403 or 404 problem+json; a list
  answers 200 without any of the owner's records (or 403/404 problem+json); and a refusal does
  not disclose anything of the record the caller did not already send (such as the
  organisation a person works for).

Records are recognised by markers: the organisation's ODS code, its people's person numbers and
the ids of its records. Every string anywhere in a response body is compared with them.

List operations are those answering a page (``items`` and ``next_cursor``). Optional query
parameters that name a seeded value (``person_id``, ``org_code``) are probed too, each on its
own, since a filter is one more place where a reach check can be missing.

Organisation-neutral national reference data is visible to every token holding the service's
read scope, whatever its organisation or region: the curriculum catalogue (``/v1/programmes``)
and the register of training providers with their accreditation decisions (``/v1/providers``).
They describe the national offer, not anyone's staff, so hiding them would only stop a trust
from choosing an accredited provider. For them every token must get 200 (and a non-empty list).
Any other operation is organisation-scoped by default: a new endpoint holding national data has
to be added to ``NATIONAL_REFERENCE_PREFIXES`` deliberately, with its reason.

A path parameter is filled from the seeds by its name, or by ``<collection>/{name}`` when the
name alone is ambiguous (``programmes/{code}``). A new endpoint whose parameter has no seed fails
with a message saying where to add one; it is never skipped.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from devstack import flows
from devstack.testing import ALL_SCOPES, SERVICES, RunningService, auth, eventually

PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics"}
PROBLEM = "application/problem+json"
# See the module docstring: organisation-neutral data every reader may see.
# The national appraisal template (/v1/templates) is one document for every organisation: it
# names sections and scales, never anyone's staff or answers (local questions are per org).
# Frameworks of standards (/v1/frameworks) and the bundles of programmes that meet a level
# (/v1/bundles) are the national curriculum: standards and programmes, nobody's records; the
# assignment rules (/v1/assignment-rules) are national configuration of who must do what.
# The issuer's profile and keys (/v1/issuer), the credential status lists (/v1/status-lists:
# anonymous bitstrings, public by design) and the eligibility policies (/v1/eligibility/policies:
# what each level requires, the same for everyone) hold nothing of any organisation's staff.
NATIONAL_REFERENCE_PREFIXES = (
    "/v1/issuer",
    "/v1/status-lists",
    "/v1/eligibility/policies",
    # A redetermination job of standards reports counts of everyone's answers re-checked
    # nationally (progress), never a person or an organisation.
    "/v1/eligibility/jobs",
    "/v1/programmes",
    "/v1/providers",
    "/v1/templates",
    "/v1/frameworks",
    "/v1/bundles",
    "/v1/assignment-rules",
    # Talent: the readiness policy is one national rule set, and a replay is the state of the
    # service's own consumer; neither holds anything of an organisation or a person.
    "/v1/readiness-policies",
    "/v1/admin/replays",
)
# Paging parameters carry no data of anyone's; every other query parameter is looked up.
PAGING = {"limit", "cursor"}
PLACEHOLDER = re.compile(r"{([^}:]+)(?::[^}]*)?}")
# National: no org or region claim, so it may create records for any organisation.
SEEDER = auth(ALL_SCOPES)


@dataclass(frozen=True)
class Organisation:
    code: str
    region: str


LEEDS = Organisation("RR8", "Y63")
GUYS = Organisation("RJ1", "Y56")


@dataclass
class OrgRecords:
    """What was seeded for one organisation: parameter values and the markers of its records."""

    org: Organisation
    person_id: str
    values: dict[str, str] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.add("org_code", self.org.code)
        self.add("person_id", self.person_id)

    def add(self, name: str, value: Any) -> None:
        self.values[name] = str(value)
        self.markers.add(str(value))


@dataclass
class Seeds:
    own: dict[str, OrgRecords]
    # Values of national reference records, the same for both organisations.
    national: dict[str, str] = field(default_factory=dict)


Seeder = Callable[[RunningService, Seeds], Awaitable[None]]


async def seed_talent(talent: RunningService, seeds: Seeds) -> None:
    rows = [
        flows.staff_row(r.person_id, r.org.code, ethnic_category="N", sex="female")
        for r in seeds.own.values()
    ]
    await flows.import_people(talent.client, rows, SEEDER)
    # Oversight, a challenged-organisation role and an accepted placement, an EDI goal, an
    # indicator publication and an audited read of characteristics, for each organisation.
    for records in seeds.own.values():
        code, person = records.org.code, records.person_id
        await flows.place_in_oversight_segment(talent.client, code, 4, SEEDER)
        role = await flows.challenged_role(talent.client, code, SEEDER)
        records.add("role_id", role["id"])
        await flows.make_placement_candidate(talent.db, person, code)
        placement = await flows.accepted_placement(talent.client, role["id"], person, SEEDER)
        records.add("placement_id", placement["id"])
        goal = await talent.client.post(
            "/v1/edi-goals",
            json={
                "org_code": code,
                "indicator_code": "workforce_bme_pct",
                "direction": "at_least",
                "target": 30.0,
                "deadline": "2027-03-31",
            },
            headers=SEEDER,
        )
        assert goal.status_code == 201, goal.text
        records.add("goal_id", goal.json()["id"])
        publication = await flows.publish_indicators(talent.client, code, SEEDER)
        records.add("publication_id", publication["id"])
        # A critical post whose succession plan names the organisation's person.
        plan = await flows.succession_plan(talent.client, code, SEEDER)
        candidate = await flows.succession_candidate(talent.client, plan["id"], person, SEEDER)
        records.add("post_id", plan["post_id"])
        records.add("plan_id", plan["id"])
        records.add("candidate_id", candidate["id"])
        # A career conversation the person recorded, an organisation pool they were proposed
        # to, and a talent review that placed them on the 9-box.
        conversation = await talent.client.post(
            f"/v1/people/{person}/career-conversations",
            json={"held_on": "2026-10-01", "outcome_codes": ["ready_for_stretch"]},
            headers=auth(ALL_SCOPES, subject=person),
        )
        assert conversation.status_code == 201, conversation.text
        records.add("conversation_id", conversation.json()["id"])
        pool = await talent.client.post(
            "/v1/talent-pools",
            json={
                "name": f"Aspiring ward leaders {code}",
                "scope": "organisation",
                "scope_code": code,
                "rules": {"conversation_outcomes": ["ready_for_stretch"]},
            },
            headers=SEEDER,
        )
        assert pool.status_code == 201, pool.text
        records.add("pool_id", pool.json()["id"])
        proposed = await talent.client.post(
            f"/v1/talent-pools/{pool.json()['id']}/proposals", headers=SEEDER
        )
        assert proposed.json()["proposed"] == 1, proposed.text
        members = await talent.client.get(
            f"/v1/talent-pools/{pool.json()['id']}/members", headers=SEEDER
        )
        records.add("membership_id", members.json()["items"][0]["id"])
        await flows.talent_profile_appraisal(talent.db, person, code)
        review = await talent.client.post(
            "/v1/talent-reviews", json={"org_code": code, "name": "Annual review"}, headers=SEEDER
        )
        assert review.status_code == 201, review.text
        records.add("review_id", review.json()["id"])
        assessment = await talent.client.post(
            f"/v1/talent-reviews/{review.json()['id']}/assessments",
            json={
                "person_id": person,
                "aspiration": 3,
                "engagement": 2,
                "ability": 2,
                "leadership_values": 3,
            },
            headers=SEEDER,
        )
        assert assessment.status_code == 201, assessment.text
        records.add("assessment_id", assessment.json()["id"])
        read = await talent.client.get(
            f"/v1/people/{person}/protected-characteristics", headers=SEEDER
        )
        assert read.status_code == 200, read.text
        # The oversight report of the organisation itself ({scope}/{code}).
        records.values["scope"] = "organisation"
        records.values["code"] = code
    seeds.national["readiness-policies/{version}"] = "2026.1"
    replay = await talent.client.post("/v1/admin/replays", headers=SEEDER)
    assert replay.status_code == 202, replay.text
    seeds.national["replay_id"] = replay.json()["id"]


async def seed_standards(standards: RunningService, seeds: Seeds) -> None:
    provider_id = await flows.accredited_provider(standards.client, SEEDER)
    decisions = await standards.client.get(
        f"/v1/providers/{provider_id}/accreditations", headers=SEEDER
    )
    assert decisions.status_code == 200, decisions.text
    seeds.national["provider_id"] = provider_id
    seeds.national["accreditation_id"] = decisions.json()["items"][0]["id"]
    seeds.national["programmes/{code}"] = flows.ACCREDITED_PROGRAMME
    for records in seeds.own.values():
        record = await flows.record_completion(
            standards.client, records.person_id, provider_id, SEEDER, org_code=records.org.code
        )
        assert record["credential"] is not None, record
        records.add("record_id", record["id"])
        records.add("credential_id", record["credential"]["credential_id"])
    # Eligibility is asked for a level; the first status list holds the seeded credentials.
    seeds.national["level"] = "senior"
    seeds.national["status-lists/{list_number}"] = "0"
    seeds.national["policies/{version}"] = "2026.1"
    seeds.national["frameworks/{code}"] = "LCF-BOARD"
    seeds.national["versions/{version}"] = "2024"
    seeds.national["bundles/{code}"] = "BUNDLE-FIRST-LINE"
    seeds.national["assignment-rules/{code}"] = "JOINER-INDUCTION"
    job = await standards.client.post("/v1/eligibility:redetermine", headers=SEEDER)
    assert job.status_code == 202, job.text
    seeds.national["job_id"] = job.json()["id"]
    for records in seeds.own.values():
        # Compliance rests on the people projection, fed only by talent's person.changed: the
        # person goes in through the service's own handler, as the consumer would put them.
        await _into_standards_people(standards, records.person_id, records.org.code)


async def _into_standards_people(standards: RunningService, person_id: str, org_code: str) -> None:
    from datetime import UTC, datetime

    from shared.events.cloudevents import Envelope
    from standards.people.events import PersonChanged
    from standards.people.handlers import on_person_changed

    event = PersonChanged(person_id=person_id, org_code=org_code, start_date="2019-04-01")
    envelope = Envelope(
        id=str(uuid.uuid4()),
        source="/leadership/talent",
        type=PersonChanged.event_type(),
        time=datetime.now(UTC),
        subject=None,
        data=event.model_dump(mode="json"),
    )
    async with standards.db.session() as session, session.begin():
        await on_person_changed(session, envelope, event)


async def seed_appraisal(appraisal: RunningService, seeds: Seeds) -> None:
    seeds.national["templates/{version}"] = "2025.1"
    for records in seeds.own.values():
        completed = await flows.complete_appraisal(
            appraisal.client, records.person_id, SEEDER, org_code=records.org.code
        )
        records.add("appraisal_id", completed["id"])
        # A board cycle gains its members through their board appraisals, so its population
        # holds this organisation's person without the people projection.
        cycle = await flows.open_appraisal_cycle(
            appraisal.client, records.org.code, SEEDER, cycle_year=2025, kind="board"
        )
        records.add("cycle_id", cycle["id"])
        board = await flows.open_board_appraisal(
            appraisal.client, records.person_id, SEEDER, org_code=records.org.code, cycle_year=2025
        )
        records.markers.add(board["id"])
        question = await flows.add_local_question(appraisal.client, records.org.code, SEEDER)
        records.add("question_id", question["id"])
        # Feedback is asked while an appraisal is open, so the appraisal routes are probed with
        # the open board appraisal, which carries a feedback request and, moved on to
        # preparation, a history.
        feedback = await flows.request_feedback(
            appraisal.client, board["id"], SEEDER, category="peer"
        )
        records.add("request_id", feedback["id"])
        reminder = await flows.remind_feedback_rater(
            appraisal.client, board["id"], feedback["id"], SEEDER
        )
        records.markers.add(reminder["id"])
        shown = await appraisal.client.get(f"/v1/appraisals/{board['id']}", headers=SEEDER)
        moved = await appraisal.client.post(
            f"/v1/appraisals/{board['id']}/transitions",
            json={"to": "preparation"},
            headers={**SEEDER, "If-Match": shown.headers["ETag"]},
        )
        assert moved.status_code == 200, moved.text
        records.add("appraisal_id", board["id"])
        flag = await flows.set_hr_flag(
            appraisal.client, records.person_id, SEEDER, org_code=records.org.code
        )
        records.add("flag_id", flag["id"])
        # The people projection is fed only by talent's events and has no API: the person and
        # a report of theirs go in through its event handler, as the consumer would put them.
        report_id = f"{records.person_id}R"
        await _into_people_projection(appraisal, records.person_id, records.org.code, None)
        await _into_people_projection(appraisal, report_id, records.org.code, records.person_id)
        records.markers.add(report_id)
        records.add("overdue-appraisals/{manager_id}", records.person_id)
        # A year, not a marker of this organisation's records: both organisations share it.
        records.values["appraisal-completion/{cycle_year}"] = "2026"
        records.values["outcome-distribution/{cycle_year}"] = "2026"


async def _into_people_projection(
    appraisal: RunningService, person_id: str, org_code: str, line_manager_id: str | None
) -> None:
    from datetime import UTC, datetime

    from appraisal.people import service as people_service
    from appraisal.people.events import PersonChanged
    from shared.events.cloudevents import Envelope

    event = PersonChanged(
        person_id=person_id,
        org_code=org_code,
        line_manager_id=line_manager_id,
        is_line_manager=line_manager_id is None,
    )
    envelope = Envelope(
        id=str(uuid.uuid4()),
        source="/leadership/talent",
        type=PersonChanged.event_type(),
        time=datetime.now(UTC),
        subject=None,
        data=event.model_dump(mode="json"),
    )
    async with appraisal.db.session() as session, session.begin():
        await people_service.record_person_changed(session=session, event=event, envelope=envelope)


async def seed_ned(ned: RunningService, seeds: Seeds) -> None:
    # Through the API, per organisation: a seat held by the organisation's person (appointed by
    # the entitled body, in force once its FPPT passed), an NHS England tenure extension, a
    # pool candidate with declared characteristics, and a campaign with one application. Leeds
    # is an NHS trust (NHS England appoints); Guy's a foundation trust (its governors do).
    for records in seeds.own.values():
        code, person = records.org.code, records.person_id
        appointing = SEEDER if code == LEEDS.code else auth(ALL_SCOPES, org=code)
        seat = await flows.ned_seat(ned.client, code, SEEDER)
        records.add("seat_id", seat["id"])
        appointment = await flows.ned_appointment(ned.client, code, seat["id"], person, appointing)
        await flows.pass_appointment_fppt(ned.client, appointment, appointing)
        records.add("appointment_id", appointment["id"])
        extension = await ned.client.post(
            "/v1/tenure-extensions",
            json={
                "org_code": code,
                "person_id": person,
                "extends_to": "2036-03-31",
                "reason_code": "board_stability",
            },
            headers=SEEDER,
        )
        assert extension.status_code == 201, extension.text
        records.add("extension_id", extension.json()["id"])
        candidate = await flows.ned_candidate(ned.client, person, code, SEEDER)
        records.add("candidate_id", candidate["id"])
        declared = await ned.client.put(
            f"/v1/candidates/{candidate['id']}/protected-characteristics",
            json={"sex": "female", "ethnic_category": "N", "disability": "no"},
            headers=SEEDER,
        )
        assert declared.status_code == 200, declared.text
        vacant = await flows.ned_seat(ned.client, code, SEEDER)
        vacancy = await flows.ned_vacancy(ned.client, code, vacant["id"], appointing)
        records.add("vacancy_id", vacancy["id"])
        application = await ned.client.post(
            f"/v1/vacancies/{vacancy['id']}/applications",
            json={"candidate_id": candidate["id"]},
            headers=appointing,
        )
        assert application.status_code == 201, application.text
        records.add("application_id", application.json()["id"])
        # The term-end forecast of the organisation's own region: a value, not a marker, since
        # the other organisation's records never name this region anyway.
        records.values["regions/{region_code}"] = records.org.region
    # FPPT records, board references and board composition publications of each organisation;
    # the read of each test leaves a line in the FPPT audit trail, which is listed too. A
    # reference released to a third organisation of the owner's region lists its release.
    third_party = {"RR8": "RXF", "RJ1": "RYJ"}
    for records in seeds.own.values():
        code, person = records.org.code, records.person_id
        assessment = await flows.open_annual_fppt(ned.client, person, code, SEEDER)
        records.add("assessment_id", assessment["id"])
        read = await ned.client.get(f"/v1/fppt/assessments/{assessment['id']}", headers=SEEDER)
        assert read.status_code == 200, read.text
        submission = await ned.client.post(
            "/v1/fppt/submissions", json={"org_code": code, "year": 2026}, headers=SEEDER
        )
        assert submission.status_code == 201, submission.text
        records.add("submission_id", submission.json()["id"])
        reference = await flows.write_board_reference(ned.client, person, code, SEEDER)
        records.add("reference_id", reference["id"])
        released = await ned.client.post(
            f"/v1/board-references/{reference['id']}/releases",
            json={"to_org_code": third_party[code]},
            headers=SEEDER,
        )
        assert released.status_code == 201, released.text
        published = await ned.client.post(
            f"/v1/diversity/{code}/board-composition/publications", headers=SEEDER
        )
        assert published.status_code == 201, published.text
    seeds.national["baselines/{source}"] = "workforce"


SEEDERS: dict[str, Seeder] = {
    "talent": seed_talent,
    "standards": seed_standards,
    "appraisal": seed_appraisal,
    "ned": seed_ned,
}


# ---- the operations, from OpenAPI ------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    path: str
    path_params: tuple[str, ...]
    required_query: tuple[str, ...]
    optional_query: tuple[str, ...]
    is_list: bool

    @property
    def national(self) -> bool:
        return self.path.startswith(NATIONAL_REFERENCE_PREFIXES)


def _is_page(openapi: dict[str, Any], operation: dict[str, Any]) -> bool:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]
    properties = schema.get("properties", {})
    return "items" in properties and "next_cursor" in properties


def read_operations(openapi: dict[str, Any]) -> list[Operation]:
    found = []
    for path, operations in openapi["paths"].items():
        if path in PUBLIC_PATHS or "get" not in operations:
            continue
        operation = operations["get"]
        parameters = operation.get("parameters", [])
        query = [p for p in parameters if p["in"] == "query" and p["name"] not in PAGING]
        found.append(
            Operation(
                path=path,
                path_params=tuple(p["name"] for p in parameters if p["in"] == "path"),
                required_query=tuple(p["name"] for p in query if p.get("required")),
                optional_query=tuple(p["name"] for p in query if not p.get("required")),
                is_list=_is_page(openapi, operation),
            )
        )
    return found


class MissingSeed(LookupError):
    pass


def _seed_value(path: str, name: str, records: OrgRecords, seeds: Seeds) -> str:
    # "<collection>/{name}" first, e.g. "programmes/{code}", then the bare name.
    before = path.split("{" + name, 1)[0].rstrip("/").rsplit("/", 1)[-1]
    for key in (f"{before}/{{{name}}}", name):
        for source in (records.values, seeds.national):
            if key in source:
                return source[key]
    raise MissingSeed(name)


def requests_for(
    service: str, operation: Operation, records: OrgRecords, seeds: Seeds
) -> Iterator[tuple[str, dict[str, str]]]:
    """The URL path and query of each probe of one operation for one organisation's records."""
    try:
        path = PLACEHOLDER.sub(
            lambda m: _seed_value(operation.path, m.group(1), records, seeds), operation.path
        )
        query = {
            name: _seed_value(operation.path, name, records, seeds)
            for name in operation.required_query
        }
    except MissingSeed as missing:
        pytest.fail(
            f"{service}: GET {operation.path} takes the parameter {missing.args[0]!r}, which "
            f"no seeded record provides. Add a seed for it: in SEEDERS[{service!r}] of "
            f"tests/security/test_security_reach.py create a record of each organisation "
            f"through the service's API and record its value with "
            f"records.add({missing.args[0]!r}, value) (or seeds.national[...] for national "
            f"reference data).",
            pytrace=False,
        )
    yield path, query
    for name in operation.optional_query:
        try:
            value = _seed_value(operation.path, name, records, seeds)
        except MissingSeed:
            continue  # a filter on something not seeded (status, year) narrows nothing here
        yield path, {**query, name: value}


# ---- what a response discloses ---------------------------------------------------------------


def disclosed(value: Any, markers: set[str]) -> set[str]:
    """The markers found anywhere in ``value``, inside free text too (a problem's detail)."""
    text = json.dumps(value, ensure_ascii=False)
    return {marker for marker in markers if marker in text}


def _url(path: str, query: dict[str, str]) -> str:
    return str(httpx.URL(path, params=query))


# ---- the probes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewpoint:
    label: str
    own: bool
    headers: dict[str, str]


def viewpoints(owner: OrgRecords, other: OrgRecords) -> list[Viewpoint]:
    return [
        Viewpoint(f"own organisation {owner.org.code}", True, auth(org=owner.org.code)),
        Viewpoint(f"own region {owner.org.region}", True, auth(region=owner.org.region)),
        Viewpoint(f"foreign organisation {other.org.code}", False, auth(org=other.org.code)),
        Viewpoint(f"foreign region {other.org.region}", False, auth(region=other.org.region)),
    ]


def check_national(operation: Operation, response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"national reference data refused ({response.status_code}): {response.text[:300]}"
    if operation.is_list and not response.json()["items"]:
        return "national reference list is empty though records were seeded"
    return None


def check_own(
    operation: Operation, response: httpx.Response, owner: OrgRecords, other: OrgRecords
) -> str | None:
    if response.status_code != 200:
        return f"own records refused ({response.status_code}): {response.text[:300]}"
    body = response.json()
    if operation.is_list:
        items = body["items"]
        if not any(disclosed(item, owner.markers) for item in items):
            return f"own records missing from the list: {body}"
        foreign = disclosed(items, other.markers)
        if foreign:
            return f"the list also shows {other.org.code}'s records: {sorted(foreign)}"
        return None
    if not disclosed(body, owner.markers):
        return f"the answer carries none of the owner's records: {body}"
    return None


def check_foreign(
    operation: Operation, response: httpx.Response, owner: OrgRecords, sent: str
) -> str | None:
    status = response.status_code
    if operation.is_list and status == 200:
        leaked = disclosed(response.json()["items"], owner.markers)
        return f"LEAK: the list shows {sorted(leaked)}" if leaked else None
    if status not in (403, 404):
        return f"expected 403 or 404, got {status}: {response.text[:300]}"
    if response.headers.get("content-type") != PROBLEM:
        return f"refusal is not problem+json: {response.headers.get('content-type')}"
    problem = response.json()
    if problem.get("status") != status:
        return f"problem status {problem.get('status')} differs from HTTP {status}"
    # Only what the caller sent may come back; anything else is a fact about the record.
    told = {marker for marker in disclosed(problem, owner.markers) if marker not in sent}
    if told:
        return f"LEAK: the refusal discloses {sorted(told)}: {problem}"
    return None


async def probe_service(running: RunningService, seeds: Seeds) -> tuple[int, list[str]]:
    operations = read_operations(running.app.openapi())
    assert operations, f"{running.name} has no GET operations"
    failures: list[str] = []
    probes = 0
    pairs = [(seeds.own[LEEDS.code], seeds.own[GUYS.code])]
    pairs.append((pairs[0][1], pairs[0][0]))
    for operation in operations:
        for owner, other in pairs:
            for path, query in requests_for(running.name, operation, owner, seeds):
                url = _url(path, query)
                for view in viewpoints(owner, other):
                    response = await running.client.get(url, headers=view.headers)
                    probes += 1
                    if operation.national:
                        problem = check_national(operation, response)
                    elif view.own:
                        problem = check_own(operation, response, owner, other)
                    else:
                        problem = check_foreign(operation, response, owner, url)
                    if problem:
                        failures.append(
                            f"GET {url} ({owner.org.code}'s records) as {view.label}: {problem}"
                        )
    return probes, failures


@pytest.mark.parametrize("service", SERVICES)
async def test_tokens_reach_only_their_own_organisations(service: str, start_service) -> None:
    assert service in SEEDERS, (
        f"{service} has no seeder in tests/security/test_security_reach.py: add one that "
        "creates records of both organisations through its API"
    )
    run = uuid.uuid4().hex[:8]
    seeds = Seeds(
        own={
            LEEDS.code: OrgRecords(LEEDS, person_id=f"L{run}"),
            GUYS.code: OrgRecords(GUYS, person_id=f"G{run}"),
        }
    )
    async with start_service(service) as running:
        await SEEDERS[service](running, seeds)
        probes, failures = await probe_service(running, seeds)
    assert probes, f"{service}: nothing was probed"
    assert not failures, f"{len(failures)} of {probes} probes failed:\n" + "\n".join(failures)


def test_markers_are_found_anywhere_in_a_body() -> None:
    # The leak detector itself: a marker nested deep in lists and objects, or inside a
    # sentence, is found; an absent one is not.
    body = {"items": [{"a": {"b": ["x", "RR8"]}}], "detail": "not at L1234 today", "k": 3}
    assert disclosed(body, {"RR8", "RJ1", "L1234", "G99"}) == {"RR8", "L1234"}
    assert disclosed([], {"RR8"}) == set()


async def test_writes_about_another_organisations_people_are_refused_quietly(
    start_service,
) -> None:
    """Writes by a foreign token: refused, nothing changed, and the refusal does not say where
    the person works (standards and appraisal learn that from talent's person.changed)."""
    person = f"W{uuid.uuid4().hex[:9]}"
    foreign = auth(org=GUYS.code)
    async with (
        start_service("talent", run_workers=True) as talent,
        start_service("standards", run_workers=True) as standards,
        start_service("appraisal", run_workers=True) as appraisal,
    ):
        await flows.import_people(talent.client, [flows.staff_row(person, LEEDS.code)], SEEDER)
        attempts = {
            "standards completion": lambda: standards.client.post(
                f"/v1/learners/{person}/completions",
                json={
                    "programme_code": flows.ACCREDITED_PROGRAMME,
                    "completed_at": "2026-01-05T10:00:00Z",
                },
                headers=foreign,
            ),
            "appraisal opening": lambda: appraisal.client.post(
                "/v1/appraisals",
                json={"person_id": person, "appraiser_id": "900001", "cycle_year": 2026},
                headers=foreign,
            ),
        }
        for label, attempt in attempts.items():

            async def decided(attempt=attempt) -> httpx.Response | None:
                # 422 until the service has learnt the person's organisation from the event.
                response = await attempt()
                return None if response.status_code == 422 else response

            refused = await eventually(decided, timeout=30, interval=0.2)
            assert refused.status_code == 403, (label, refused.text)
            assert refused.headers["content-type"] == PROBLEM
            assert LEEDS.code not in refused.text, (label, refused.text)

        # Changing an existing appraisal: 403 before any version check, and nothing changes.
        created = await appraisal.client.post(
            "/v1/appraisals",
            json={"person_id": person, "appraiser_id": "900001", "cycle_year": 2026},
            headers=SEEDER,
        )
        assert created.status_code == 201, created.text
        url, etag = f"/v1/appraisals/{created.json()['id']}", created.headers["ETag"]
        for headers in (foreign, auth(region=GUYS.region)):
            changes = [
                await appraisal.client.patch(
                    url, json={"appraiser_id": "900002"}, headers={**headers, "If-Match": etag}
                ),
                await appraisal.client.post(
                    f"{url}/transitions",
                    json={"to": "preparation"},
                    headers={**headers, "If-Match": etag},
                ),
            ]
            for refused in changes:
                assert refused.status_code == 403, refused.text
                assert refused.headers["content-type"] == PROBLEM
                assert LEEDS.code not in refused.text, refused.text
        unchanged = await appraisal.client.get(url, headers=SEEDER)
        assert unchanged.headers["ETag"] == etag
        assert unchanged.json()["appraiser_id"] == "900001"
        assert unchanged.json()["status"] == "not_started"


def test_a_parameter_without_a_seed_fails_with_advice() -> None:
    # A new endpoint must not slip through unprobed: its unknown parameter fails the test.
    operation = Operation("/v1/frameworks/{framework_id}", ("framework_id",), (), (), False)
    records = OrgRecords(LEEDS, person_id="L1")
    with pytest.raises(pytest.fail.Exception, match="Add a seed for it"):
        list(requests_for("standards", operation, records, Seeds(own={LEEDS.code: records})))
    # The collection-qualified name wins over the bare one; national values fill the rest.
    seeds = Seeds(own={LEEDS.code: records}, national={"programmes/{code}": "NLA-X", "code": "?"})
    programme = Operation("/v1/programmes/{code}", ("code",), (), ("person_id",), False)
    assert list(requests_for("standards", programme, records, seeds)) == [
        ("/v1/programmes/NLA-X", {}),
        ("/v1/programmes/NLA-X", {"person_id": "L1"}),
    ]
