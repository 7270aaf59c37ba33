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
NATIONAL_REFERENCE_PREFIXES = ("/v1/programmes", "/v1/providers")
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
        read = await talent.client.get(
            f"/v1/people/{person}/protected-characteristics", headers=SEEDER
        )
        assert read.status_code == 200, read.text
        # The oversight report of the organisation itself ({scope}/{code}).
        records.values["scope"] = "organisation"
        records.values["code"] = code


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


async def seed_appraisal(appraisal: RunningService, seeds: Seeds) -> None:
    for records in seeds.own.values():
        completed = await flows.complete_appraisal(
            appraisal.client, records.person_id, SEEDER, org_code=records.org.code
        )
        records.add("appraisal_id", completed["id"])


async def seed_ned(ned: RunningService, seeds: Seeds) -> None:
    # The ned service has no API that writes seats yet (boards come from the reference data),
    # so the seats are written through its own model; replace this with the API once it exists.
    from ned.boards.models import Seat

    async with ned.db.session() as session, session.begin():
        for records in seeds.own.values():
            seat = Seat(
                id=uuid.uuid4(),
                org_code=records.org.code,
                role="non_executive",
                title="Non-executive director",
                voting=True,
                holder_person_id=records.person_id,
                version=1,
            )
            session.add(seat)
            records.markers.add(str(seat.id))


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
                    json={"to": "in_progress"},
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
        assert unchanged.json()["status"] == "draft"


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
