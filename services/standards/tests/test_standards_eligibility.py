"""The senior-role prerequisite: every requirement with its evidence and gaps, answers that
follow credentials being accredited and revoked and policies being published, and
``eligibility.changed`` written exactly when an answer flips (no relay here: the outbox rows are
what the test reads, written in the same transaction as the change)."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from devstack.testing import auth
from shared.tables import outbox
from standards.eligibility import domain
from standards.eligibility import service as eligibility_service
from standards.eligibility.domain import Audience, HeldCredential, Policy, Requirement
from standards.eligibility.domain import RequirementKind as Kind
from standards.learning.models import Credential
from standards.people import service as people_service
from standards.people.events import PersonChanged
from standards.programmes.domain import Level

ADMIN = "standards:admin standards:read national"
WRITE = "standards:write standards:read national"
CHANGED = "leadership.eligibility.changed.v1"
NOW = datetime(2026, 11, 1, tzinfo=UTC)

# ---- pure rules --------------------------------------------------------------------------------

POLICY = Policy(
    version="2026.1",
    requirements=(
        Requirement(
            "senior.standards", Level.SENIOR, Kind.STANDARDS, "d", standards=("S-A", "S-B")
        ),
        Requirement("senior.edi", Level.SENIOR, Kind.PROGRAMMES, "d", programmes=("EDI",)),
        Requirement(
            "senior.appraisal",
            Level.SENIOR,
            Kind.PROGRAMMES,
            "d",
            programmes=("APPRAISAL",),
            applies_to=Audience.LINE_MANAGERS,
        ),
    ),
)
CATALOGUE = {
    "COURSE-A": frozenset({"S-A"}),
    "COURSE-AB": frozenset({"S-A", "S-B"}),
    "EDI": frozenset({"S-EDI"}),
    "APPRAISAL": frozenset(),
}


def _held(programme: str, standards: set[str], *, expires=None, revoked=False) -> HeldCredential:
    return HeldCredential(
        credential_id=uuid.uuid4(),
        programme_code=programme,
        standards=frozenset(standards),
        expires_at=expires,
        revoked=revoked,
        awarded_at=NOW - timedelta(days=30),
    )


def _evaluate(credentials, is_line_manager=True):
    return domain.evaluate(
        policy=POLICY,
        level=Level.SENIOR,
        person_id="P1",
        credentials=credentials,
        is_line_manager=is_line_manager,
        catalogue=CATALOGUE,
        as_of=NOW,
    )


def test_every_requirement_is_reported_with_what_closes_the_gap() -> None:
    course_a = _held("COURSE-A", {"S-A"})
    answer = _evaluate([course_a])
    assert answer.eligible is False
    standards, edi, appraisal = answer.outcomes
    assert (standards.met, standards.evidence_credential_ids) == (False, (course_a.credential_id,))
    assert standards.missing_standards == ("S-B",)
    assert standards.closing_programmes == ("COURSE-AB",)
    assert (edi.met, edi.missing_programmes, edi.closing_programmes) == (False, ("EDI",), ("EDI",))
    assert appraisal.applies is True and appraisal.met is False
    assert answer.unmet_requirement_ids == ["senior.standards", "senior.edi", "senior.appraisal"]


def test_all_met_is_eligible_and_the_evidence_is_named() -> None:
    held = [_held("COURSE-AB", {"S-A", "S-B"}), _held("EDI", {"S-EDI"}), _held("APPRAISAL", set())]
    answer = _evaluate(held)
    assert answer.eligible is True
    assert answer.met_requirement_ids == ["senior.standards", "senior.edi", "senior.appraisal"]
    assert set(answer.evidence_credential_ids) == {c.credential_id for c in held}


def test_the_line_manager_requirement_applies_only_to_line_managers() -> None:
    held = [_held("COURSE-AB", {"S-A", "S-B"}), _held("EDI", {"S-EDI"})]
    assert _evaluate(held, is_line_manager=False).eligible is True
    not_asked = _evaluate(held, is_line_manager=False).outcomes[2]
    assert (not_asked.applies, not_asked.met) == (False, True)
    assert "senior.appraisal" not in _evaluate(held, is_line_manager=False).met_requirement_ids
    # Unknown (not in the directory): the requirement stands.
    assert _evaluate(held, is_line_manager=None).eligible is False


def test_revoked_and_expired_credentials_attest_nothing() -> None:
    base = [_held("COURSE-AB", {"S-A", "S-B"}), _held("APPRAISAL", set())]
    assert _evaluate([*base, _held("EDI", {"S-EDI"}, revoked=True)]).eligible is False
    assert _evaluate([*base, _held("EDI", {"S-EDI"}, expires=NOW)]).eligible is False
    assert _evaluate([*base, _held("EDI", {"S-EDI"}, expires=NOW + timedelta(days=1))]).eligible


def test_only_a_flip_is_news() -> None:
    assert domain.eligibility_flipped(None, True) is True
    assert domain.eligibility_flipped(None, False) is False
    assert domain.eligibility_flipped(True, False) is True
    assert domain.eligibility_flipped(True, True) is False
    assert domain.eligibility_flipped(False, False) is False


def test_a_policy_that_cannot_be_met_is_refused() -> None:
    empty = Requirement("senior.x", Level.SENIOR, Kind.STANDARDS, "d")
    unknown = Requirement("senior.y", Level.SENIOR, Kind.PROGRAMMES, "d", programmes=("NOPE",))
    twice = POLICY.requirements[1]
    for requirements in ([empty], [unknown], [twice, twice]):
        try:
            domain.check_policy(requirements, known_programmes={"EDI"})
        except domain.InvalidPolicy:
            continue
        raise AssertionError(f"accepted {requirements}")


# ---- over HTTP ---------------------------------------------------------------------------------


async def _changes(svc, person_id: str) -> list[dict]:
    async with svc.db.session() as session:
        rows = await session.execute(
            select(outbox)
            .where(outbox.c.type == CHANGED, outbox.c.key == person_id)
            .order_by(outbox.c.seq)
        )
        return [dict(row) for row in rows.mappings()]


async def _accredited_provider(svc, programmes: list[str]) -> str:
    created = await svc.client.post(
        "/v1/providers", json={"name": f"Provider {uuid.uuid4().hex[:6]}"}, headers=auth(ADMIN)
    )
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    for code in programmes:
        decision = await svc.client.post(
            f"/v1/providers/{provider_id}/accreditations",
            json={"programme_code": code, "status": "accredited", "valid_from": "2024-01-01"},
            headers=auth(ADMIN),
        )
        assert decision.status_code == 201, decision.text
    return provider_id


async def _complete(svc, person_id: str, provider_id: str, programme: str, days_ago: int) -> dict:
    response = await svc.client.post(
        f"/v1/learners/{person_id}/completions",
        json={
            "programme_code": programme,
            "provider_id": provider_id,
            "completed_at": (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(),
        },
        headers=auth(WRITE),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _eligibility(svc, person_id: str, level: str = "senior", **token) -> dict:
    headers = auth("standards:read", **token) if token else auth(WRITE)
    response = await svc.client.get(
        f"/v1/people/{person_id}/eligibility?level={level}", headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def _by_id(answer: dict) -> dict[str, dict]:
    return {requirement["id"]: requirement for requirement in answer["requirements"]}


async def test_eligibility_follows_credentials_and_publishes_only_flips(start_service) -> None:
    async with start_service("standards") as svc:
        manager = uuid.uuid4().hex[:10]
        async with svc.db.session() as session, session.begin():
            await people_service.apply_person_changed(
                session=session,
                event=PersonChanged(
                    person_id=manager, org_code="RR8", is_line_manager=True, status="active"
                ),
                event_id=str(uuid.uuid4()),
                event_time=datetime.now(UTC),
            )
        provider = await _accredited_provider(
            svc, ["NLA-ELIZABETH-GARRETT-ANDERSON", "NHS-EDI-MODULE", "NHS-APPRAISAL-SKILLS"]
        )

        before = await _eligibility(svc, manager)
        assert before["eligible"] is False
        assert before["policy_version"] == "2026.1"
        requirements = _by_id(before)
        assert set(requirements) == {
            "senior.standards",
            "senior.edi",
            "senior.appraisal_skills",
        }
        assert requirements["senior.standards"]["missing_standards"] == ["MLF-2025-SENIOR"]
        assert set(requirements["senior.standards"]["closing_programmes"]) >= {
            "NLA-ELIZABETH-GARRETT-ANDERSON",
            "NLA-NYE-BEVAN",
        }
        assert requirements["senior.edi"]["closing_programmes"] == ["NHS-EDI-MODULE"]
        assert requirements["senior.appraisal_skills"]["applies"] is True

        programme = await _complete(svc, manager, provider, "NLA-ELIZABETH-GARRETT-ANDERSON", 60)
        edi = await _complete(svc, manager, provider, "NHS-EDI-MODULE", 50)
        # Two of three requirements met: the answer is still "no", so nothing is published.
        assert await _changes(svc, manager) == []
        partial = _by_id(await _eligibility(svc, manager))
        assert partial["senior.standards"]["met"] is True
        assert partial["senior.standards"]["evidence_credential_ids"] == [
            programme["credential"]["credential_id"]
        ]
        assert partial["senior.edi"]["evidence_credential_ids"] == [
            edi["credential"]["credential_id"]
        ]
        assert partial["senior.appraisal_skills"]["met"] is False
        assert partial["senior.appraisal_skills"]["missing_programmes"] == ["NHS-APPRAISAL-SKILLS"]

        appraisal = await _complete(svc, manager, provider, "NHS-APPRAISAL-SKILLS", 40)
        after = await _eligibility(svc, manager)
        assert after["eligible"] is True
        assert after["unmet_requirement_ids"] == []
        flips = await _changes(svc, manager)
        # Garrett Anderson covers the middle and senior standards: both levels opened at once.
        assert sorted(row["payload"]["level"] for row in flips) == ["middle", "senior"]
        senior = next(row for row in flips if row["payload"]["level"] == "senior")
        assert senior["payload"]["eligible"] is True
        assert senior["payload"]["previously_eligible"] is None
        assert senior["payload"]["org_code"] == "RR8"
        assert senior["payload"]["policy_version"] == "2026.1"
        assert set(senior["payload"]["evidence_credential_ids"]) == {
            programme["credential"]["credential_id"],
            edi["credential"]["credential_id"],
            appraisal["credential"]["credential_id"],
        }
        assert senior["subject"] == f"eligibility/{senior['payload']['determination_id']}"
        assert manager not in senior["subject"]

        # Asking again, or re-determining everyone, changes nothing and publishes nothing.
        await _eligibility(svc, manager)
        sweep = await svc.client.post("/v1/eligibility:redetermine", headers=auth(ADMIN))
        assert sweep.status_code == 202, sweep.text
        ran = await eligibility_service.run_jobs(svc.db, service_name=svc.settings.service_name)
        assert ran.people >= 1
        assert ran.changes_published == 0
        assert len(await _changes(svc, manager)) == 2

        # Revoking the EDI credential closes both levels again: two more flips.
        edi_id = edi["credential"]["credential_id"]
        current = await svc.client.get(f"/v1/credentials/{edi_id}", headers=auth(WRITE))
        revoked = await svc.client.post(
            f"/v1/credentials/{edi_id}/revoke",
            json={"reason_code": "issued_in_error"},
            headers=auth(WRITE) | {"If-Match": current.headers["etag"]},
        )
        assert revoked.status_code == 200, revoked.text
        closed = await _eligibility(svc, manager)
        assert closed["eligible"] is False
        assert closed["unmet_requirement_ids"] == ["senior.edi"]
        gap = _by_id(closed)["senior.edi"]
        assert gap["evidence_credential_ids"] == []
        assert gap["closing_programmes"] == ["NHS-EDI-MODULE"]
        flips = await _changes(svc, manager)
        assert len(flips) == 4
        latest = {row["payload"]["level"]: row["payload"] for row in flips[2:]}
        assert set(latest) == {"middle", "senior"}
        assert latest["senior"]["eligible"] is False
        assert latest["senior"]["previously_eligible"] is True
        assert latest["senior"]["unmet_requirement_ids"] == ["senior.edi"]
        assert latest["senior"]["unmet_requirements"] == [
            {"requirement_id": "senior.edi", "standards": [], "programmes": ["NHS-EDI-MODULE"]}
        ]
        assert edi_id not in latest["senior"]["evidence_credential_ids"]

        # Reach: a token of the person's organisation sees the answer, another one does not.
        assert (await _eligibility(svc, manager, org="RR8"))["eligible"] is False
        refused = await svc.client.get(
            f"/v1/people/{manager}/eligibility?level=senior",
            headers=auth("standards:read", org="RX1"),
        )
        assert refused.status_code == 403
        assert "RR8" not in refused.text
        bad_level = await svc.client.get(
            f"/v1/people/{manager}/eligibility?level=chief", headers=auth(WRITE)
        )
        assert bad_level.status_code == 422
        assert bad_level.headers["content-type"] == "application/problem+json"

        # The batch form: one answer per person in reach; the rest are only listed as refused.
        stranger = uuid.uuid4().hex[:10]
        batch = await svc.client.post(
            "/v1/eligibility:batch",
            json={"level": "middle", "person_ids": [manager, stranger]},
            headers=auth("standards:read", org="RR8"),
        )
        assert batch.status_code == 200, batch.text
        assert [item["person_id"] for item in batch.json()["items"]] == [manager]
        assert batch.json()["items"][0]["unmet_requirement_ids"] == ["middle.edi"]
        assert batch.json()["refused"] == [stranger]
        national = await svc.client.post(
            "/v1/eligibility:batch",
            json={"level": "senior", "person_ids": [manager, stranger]},
            headers=auth(WRITE),
        )
        assert [item["eligible"] for item in national.json()["items"]] == [False, False]


async def test_a_new_policy_version_redetermines_and_publishes_what_flips(start_service) -> None:
    async with start_service("standards") as svc:
        person = uuid.uuid4().hex[:10]
        provider = await _accredited_provider(svc, ["NLA-NYE-BEVAN"])
        response = await svc.client.post(
            f"/v1/learners/{person}/completions",
            json={
                "programme_code": "NLA-NYE-BEVAN",
                "provider_id": provider,
                "completed_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
                "org_code": "RR8",
            },
            headers=auth(WRITE),
        )
        assert response.status_code == 201, response.text
        assert await _changes(svc, person) == []

        current = await svc.client.get("/v1/eligibility/policies/current", headers=auth(WRITE))
        assert current.status_code == 200, current.text
        requirements = current.json()["requirements"]
        # The next version drops the EDI requirement for the executive level.
        relaxed = [r for r in requirements if r["id"] != "executive.edi"]
        path = "/v1/eligibility/policies"
        published = await svc.client.post(
            path,
            json={"version": "2027.1", "requirements": relaxed},
            headers=auth(ADMIN) | {"Idempotency-Key": "policy-2027-1"},
        )
        assert published.status_code == 201, published.text
        assert published.headers["location"] == "/v1/eligibility/policies/2027.1"
        assert published.json()["redetermination_job"]["status"] == "queued"
        await eligibility_service.run_jobs(svc.db, service_name=svc.settings.service_name)
        flips = await _changes(svc, person)
        # Nye Bevan covers the executive standards, and the person is not known to manage staff
        # ... so the appraisal-skills requirement stands: still no executive eligibility.
        assert flips == []
        answer = await _eligibility(svc, person, level="executive")
        assert answer["policy_version"] == "2027.1"
        assert answer["unmet_requirement_ids"] == ["executive.appraisal_skills"]

        # A version dropping that too opens the level: one flip, under the new version.
        open_door = [r for r in relaxed if r["id"] != "executive.appraisal_skills"]
        again = await svc.client.post(
            path, json={"version": "2027.2", "requirements": open_door}, headers=auth(ADMIN)
        )
        assert again.status_code == 201, again.text
        await eligibility_service.run_jobs(svc.db, service_name=svc.settings.service_name)
        flips = await _changes(svc, person)
        assert [(f["payload"]["level"], f["payload"]["policy_version"]) for f in flips] == [
            ("executive", "2027.2")
        ]
        assert (await svc.client.get(path + "/2027.1", headers=auth(WRITE))).status_code == 200

        # Versions never change; a policy naming an unknown programme is refused; scope.
        duplicate = await svc.client.post(
            path, json={"version": "2027.2", "requirements": open_door}, headers=auth(ADMIN)
        )
        assert duplicate.status_code == 409
        unknown = [{**open_door[0], "kind": "programmes", "programmes": ["NO-SUCH"]}]
        refused = await svc.client.post(
            path, json={"version": "2027.3", "requirements": unknown}, headers=auth(ADMIN)
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["path"] == "body.requirements"
        assert (
            await svc.client.post(
                path, json={"version": "2027.4", "requirements": open_door}, headers=auth(WRITE)
            )
        ).status_code == 403
        missing = await svc.client.get(path + "/1999.1", headers=auth(WRITE))
        assert missing.status_code == 404


async def test_an_expired_credential_closes_a_level_at_the_next_sweep(start_service) -> None:
    async with start_service("standards") as svc:
        person = uuid.uuid4().hex[:10]
        provider = await _accredited_provider(svc, ["NLA-MARY-SEACOLE", "NHS-EDI-MODULE"])
        for programme in ("NLA-MARY-SEACOLE", "NHS-EDI-MODULE"):
            response = await svc.client.post(
                f"/v1/learners/{person}/completions",
                json={
                    "programme_code": programme,
                    "provider_id": provider,
                    "completed_at": (datetime.now(UTC) - timedelta(days=10)).isoformat(),
                    "org_code": "RR8",
                },
                headers=auth(WRITE),
            )
            assert response.status_code == 201, response.text
        opened = await _changes(svc, person)
        assert [(f["payload"]["level"], f["payload"]["eligible"]) for f in opened] == [
            ("first_line", True)
        ]
        # Time passes: the EDI credential reaches the end of its refresher interval (moved
        # into the past here rather than waiting 36 months).
        async with svc.db.session() as session, session.begin():
            await session.execute(
                update(Credential)
                .where(
                    Credential.person_id == person, Credential.programme_code == "NHS-EDI-MODULE"
                )
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        # Read through the API, the answer is already "no" (computed for the moment asked) ...
        answer = await _eligibility(svc, person, level="first_line")
        assert answer["unmet_requirement_ids"] == ["first_line.edi"]
        # ... and the worker's expiry sweep publishes the change, once, with nobody asking.
        name = svc.settings.service_name
        sweep = await eligibility_service.sweep_expired_credentials(svc.db, service_name=name)
        assert sweep.changes_published == 1
        closed = (await _changes(svc, person))[1:]
        assert [(f["payload"]["level"], f["payload"]["eligible"]) for f in closed] == [
            ("first_line", False)
        ]
        again = await eligibility_service.sweep_expired_credentials(svc.db, service_name=name)
        assert again.changes_published == 0
        assert len(await _changes(svc, person)) == 2


def test_the_quick_yes_or_no_agrees_with_the_full_answer() -> None:
    # Every combination of the fixture's credentials, for managers, others and the unknown.
    pool = [
        _held("COURSE-A", {"S-A"}),
        _held("COURSE-AB", {"S-A", "S-B"}),
        _held("EDI", {"S-EDI"}),
        _held("APPRAISAL", set()),
    ]
    for size in range(len(pool) + 1):
        for held in itertools.combinations(pool, size):
            for manager in (True, False, None):
                full = _evaluate(list(held), is_line_manager=manager)
                quick = domain.meets_level(
                    policy=POLICY,
                    level=Level.SENIOR,
                    covered_standards={s for c in held for s in c.standards},
                    held_programmes={c.programme_code for c in held},
                    is_line_manager=manager,
                )
                assert quick is full.eligible, (held, manager)
