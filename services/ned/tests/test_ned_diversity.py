"""Board diversity over HTTP: composition against workforce and population by sex, ethnicity
(WRES indicator 9) and disability (WDES metric 10) with suppression and rounding, the appointment
pipeline with relative likelihoods, and ``board.composition.published`` on demand and on
schedule. Boards, candidates and applications are seeded straight into the tables: the
composition reads only the restricted characteristics and the current holders."""

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from devstack.testing import auth
from ned.boards.models import Seat
from ned.candidates.models import Candidate, CandidateProtectedCharacteristics
from ned.diversity import service as diversity_service
from ned.jobs import run_step_once
from ned.vacancies.models import Application, CampaignStep, Vacancy
from shared.tables import outbox

LEEDS = auth("ned:read ned:write", org="RR8")
GUYS = auth("ned:read ned:write", org="RJ1")
PROBLEM = "application/problem+json"

# RR8's board: 14 voting members (chair, 8 NEDs, 5 executives) and a non-voting associate NED.
# Ethnicity of the voting members: 9 White, 3 BME, 2 not stated. Sex: 8 women, 6 men.
# Disability: 1 disabled, 11 not, 2 not declared.
Member = tuple[str, bool, str, str | None, str]
LEEDS_BOARD: list[Member] = (
    [("chair", True, "female", "A", "no")]
    + [("non_executive", True, "female", "A", "no")] * 5
    + [("non_executive", True, "male", "H", "no")] * 2
    + [("non_executive", True, "male", "Z", "not_declared")]
    + [("chief_executive", True, "female", "B", "yes")]
    + [("executive", True, "male", "A", "no")] * 2
    + [("executive", True, "female", "N", "no")]
    + [("executive", True, "male", None, "not_declared")]
    + [("associate_non_executive", False, "female", "M", "no")]
)


def candidate(
    person_id: str, org_code: str, sex: str, ethnic: str | None, disability: str
) -> tuple[Candidate, CandidateProtectedCharacteristics]:
    candidate_id = uuid.uuid4()
    return (
        Candidate(
            id=candidate_id,
            person_id=person_id,
            org_code=org_code,
            skills=[],
            sector_expertise=[],
            lcf_self_assessment={},
            regional_preferences=[],
            programmes=[],
            version=1,
        ),
        CandidateProtectedCharacteristics(
            candidate_id=candidate_id, sex=sex, ethnic_category=ethnic, disability=disability
        ),
    )


async def seed_board(ned: Any, org_code: str, members: list[Member]) -> None:
    async with ned.db.session() as session, session.begin():
        for n, (role, voting, sex, ethnic, disability) in enumerate(members):
            person_id = f"{org_code}-{n}-{uuid.uuid4().hex[:6]}"
            session.add_all(candidate(person_id, org_code, sex, ethnic, disability))
            await session.flush()
            session.add(
                Seat(
                    id=uuid.uuid4(),
                    org_code=org_code,
                    role=role,
                    title=role,
                    voting=voting,
                    holder_person_id=person_id,
                    version=1,
                )
            )


def groups(report: dict[str, Any], dimension: str) -> dict[str, dict[str, Any]]:
    (found,) = [d for d in report["dimensions"] if d["dimension"] == dimension]
    return {g["group"]: g for g in found["groups"]}


async def test_board_composition_against_workforce_with_suppression(start_service) -> None:
    async with start_service("ned") as ned:
        await seed_board(ned, "RR8", LEEDS_BOARD)
        url = "/v1/diversity/RR8/board-composition"

        national = (await ned.client.get(url, headers=LEEDS)).json()
        assert national["workforce_baseline"] == "national_reference"
        assert groups(national, "ethnicity")["bme"]["workforce_share_pct"] == 28.6

        baseline = await ned.client.get("/v1/diversity/RR8/baselines/workforce", headers=LEEDS)
        assert baseline.json()["is_set"] is False
        workforce = {
            "as_of": "2026-03-31",
            "counts": {
                "ethnicity": {"white": 12000, "bme": 4800, "unknown": 600},
                "sex": {"female": 13000, "male": 4400},
                "disability": {"disabled": 700, "non_disabled": 15000, "unknown": 1700},
            },
        }
        put = await ned.client.put(
            "/v1/diversity/RR8/baselines/workforce",
            json=workforce,
            headers={**LEEDS, "If-Match": baseline.headers["ETag"]},
        )
        assert put.status_code == 200, put.text
        bad = await ned.client.put(
            "/v1/diversity/RR8/baselines/population",
            json={"as_of": "2021-03-21", "counts": {"ethnicity": {"purple": 4}}},
            headers={**LEEDS, "If-Match": baseline.headers["ETag"]},
        )
        assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM

        report = (await ned.client.get(url, headers=LEEDS)).json()
        assert report["workforce_baseline"] == "organisation"
        assert report["population_baseline"] == "none"
        # 14 voting members is shown rounded to 15; the 5 executives are suppressed.
        assert report["voting_total"] == 15
        assert report["executive_total"] == "*"
        ethnicity = groups(report, "ethnicity")
        assert ethnicity["white"]["voting_members"] == 10
        assert ethnicity["bme"]["voting_members"] == "*"
        assert ethnicity["unknown"]["voting_members"] == "*"
        # Shares from the controlled figures: 10 of 15 against 12,000 of 17,400 staff.
        assert ethnicity["white"]["voting_share_pct"] == 66.7
        assert ethnicity["white"]["workforce_share_pct"] == 69.0
        assert ethnicity["white"]["voting_vs_workforce_pp"] == -2.3
        assert ethnicity["bme"]["voting_vs_workforce_pp"] == "*"
        assert ethnicity["bme"]["workforce_share_pct"] == 27.6
        # 8 women and 6 men: the 6 is suppressed, and so is the 8 (otherwise 15 - 10 = 5).
        sex = groups(report, "sex")
        assert (sex["female"]["voting_members"], sex["male"]["voting_members"]) == ("*", "*")
        disability = groups(report, "disability")
        assert disability["disabled"]["voting_members"] == "*"
        assert disability["non_disabled"]["voting_members"] == 10
        assert all(
            g["executive_members"] == "*" or g["executive_members"] == 0
            for d in ("sex", "ethnicity", "disability")
            for g in groups(report, d).values()
        )
        # No true small count appears anywhere as a member count.
        counts = [
            g[key]
            for d in ("sex", "ethnicity", "disability")
            for g in groups(report, d).values()
            for key in ("voting_members", "executive_members")
        ]
        assert not {c for c in counts if isinstance(c, int)} - {0, 10}

        refused = await ned.client.get(url, headers=GUYS)
        assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
        assert (
            await ned.client.get("/v1/diversity/Y63/board-composition", headers=LEEDS)
        ).status_code == 404


async def outbox_payloads(ned: Any, suffix: str) -> list[dict[str, Any]]:
    async with ned.db.session() as session:
        rows = (await session.execute(select(outbox).order_by(outbox.c.seq))).all()
    return [dict(r.payload) for r in rows if r.type.endswith(suffix)]


async def test_board_composition_published_on_demand_and_on_schedule(start_service) -> None:
    async with start_service("ned") as ned:
        await seed_board(ned, "RR8", LEEDS_BOARD)
        await seed_board(ned, "RJ1", LEEDS_BOARD[:9])
        published = await ned.client.post(
            "/v1/diversity/RR8/board-composition/publications",
            headers={**LEEDS, "Idempotency-Key": "rr8-2026-q3"},
        )
        assert published.status_code == 201, published.text
        replay = await ned.client.post(
            "/v1/diversity/RR8/board-composition/publications",
            headers={**LEEDS, "Idempotency-Key": "rr8-2026-q3"},
        )
        assert replay.json()["id"] == published.json()["id"]
        (event,) = await outbox_payloads(ned, "board.composition.published.v1")
        assert event["org_code"] == "RR8" and event["voting_total"] == 15
        assert event["executive_total"] is None
        by_group = {(g["dimension"], g["group"]): g for g in event["groups"]}
        assert by_group[("ethnicity", "white")]["voting_members"] == 10
        assert by_group[("ethnicity", "bme")] == {
            "dimension": "ethnicity",
            "group": "bme",
            "voting_members": None,
            "executive_members": None,
            "suppressed": True,
        }
        # Nothing about a person: no person numbers and no ethnic category codes.
        assert "RR8-" not in json.dumps(event)

        # The scheduled run publishes only the boards not published this quarter.
        done = await run_step_once(
            ned.db, ned.settings, "board-composition-publication", diversity_service.scheduled_step
        )
        assert done == 1
        events = await outbox_payloads(ned, "board.composition.published.v1")
        assert [e["org_code"] for e in events] == ["RR8", "RJ1"]
        assert events[1]["voting_total"] == 10  # nine voting members, rounded
        again = await run_step_once(
            ned.db, ned.settings, "board-composition-publication", diversity_service.scheduled_step
        )
        assert again == 0
        listed = await ned.client.get(
            "/v1/diversity/RJ1/board-composition/publications", headers=GUYS
        )
        assert [p["trigger"] for p in listed.json()["items"]] == ["scheduled"]


async def test_pipeline_rates_and_relative_likelihoods(start_service) -> None:
    # 80 applicants to RR8's vacancies: 40 White (20 shortlisted, 10 appointed) and 40 BME
    # (10 shortlisted, 10 appointed). By disability, 3 disabled applicants: suppressed, and the
    # non-disabled figures with them, so no likelihood can be worked out for disability.
    applicants = (
        [("white", "A", "no", "appointed")] * 10
        + [("white", "A", "no", "rejected-after-shortlist")] * 10
        + [("white", "A", "no", "applied")] * 20
        + [("bme", "N", "no", "appointed")] * 10
        + [("bme", "H", "yes", "applied")] * 3
        + [("bme", "H", "no", "applied")] * 27
    )
    async with start_service("ned") as ned:
        async with ned.db.session() as session, session.begin():
            seat = Seat(
                id=uuid.uuid4(),
                org_code="RR8",
                role="non_executive",
                title="NED",
                voting=True,
                version=1,
            )
            session.add(seat)
            await session.flush()
            vacancy = Vacancy(
                id=uuid.uuid4(),
                seat_id=seat.id,
                org_code="RR8",
                seat_role="non_executive",
                reason="planned_term_end",
                appointing_body="nhs_england",
                role_description="Non-executive director",
                lcf_domains=[],
                stage="decision",
                opened_at=datetime(2026, 6, 1, tzinfo=UTC),
                closing_date=date(2026, 7, 1),
                created_by="test",
                version=1,
            )
            session.add(vacancy)
            await session.flush()
            for n, (_, ethnic, disability, outcome) in enumerate(applicants):
                person, characteristics = candidate(f"APP{n}", "Y63", "female", ethnic, disability)
                session.add_all([person, characteristics])
                await session.flush()
                stage = {"rejected-after-shortlist": "rejected"}.get(outcome, outcome)
                application = Application(
                    id=uuid.uuid4(),
                    vacancy_id=vacancy.id,
                    candidate_id=person.id,
                    org_code="RR8",
                    stage=stage,
                    version=1,
                )
                session.add(application)
                await session.flush()
                if outcome == "rejected-after-shortlist":
                    session.add(
                        CampaignStep(
                            id=uuid.uuid4(),
                            vacancy_id=vacancy.id,
                            application_id=application.id,
                            action="shortlist",
                            from_stage="longlisted",
                            to_stage="shortlisted",
                            actor="panel",
                            acting_body="nhs_england",
                        )
                    )
        response = await ned.client.get("/v1/diversity/RR8/pipeline", headers=LEEDS)
        assert response.status_code == 200, response.text
        pipeline = response.json()
        assert pipeline["vacancies"] == 1
        assert (pipeline["applied_total"], pipeline["shortlisted_total"]) == (80, 30)
        (ethnicity,) = [d for d in pipeline["dimensions"] if d["dimension"] == "ethnicity"]
        by_group = {g["group"]: g for g in ethnicity["groups"]}
        assert (by_group["white"]["applied"], by_group["white"]["shortlisted"]) == (40, 20)
        assert by_group["bme"]["shortlisting_rate_pct"] == 25.0
        likelihood = ethnicity["relative_likelihood"]
        assert (likelihood["reference_group"], likelihood["focus_group"]) == ("white", "bme")
        assert likelihood["shortlisted_from_application"] == 2.0
        assert likelihood["appointed_from_shortlisting"] == 0.5
        assert likelihood["appointed_from_application"] == 1.0
        (disability,) = [d for d in pipeline["dimensions"] if d["dimension"] == "disability"]
        by_disability = {g["group"]: g for g in disability["groups"]}
        assert by_disability["disabled"]["applied"] == "*"
        assert by_disability["non_disabled"]["applied"] == "*"
        assert disability["relative_likelihood"]["shortlisted_from_application"] == "*"
        refused = await ned.client.get("/v1/diversity/RR8/pipeline", headers=GUYS)
        assert refused.status_code == 403


async def test_candidate_pool_diversity_of_a_region(start_service) -> None:
    # Yorkshire and the North East's pool: 12 women and 9 men; 14 White, 6 BME, 1 not stated;
    # 2 disabled. Three more candidates declared nothing at all.
    people = (
        [("female", "A", "no")] * 8
        + [("female", "H", "yes")] * 2
        + [("female", "N", "no")] * 2
        + [("male", "A", "no")] * 6
        + [("male", "R", "no")] * 2
        + [("male", None, "not_declared")]
    )
    async with start_service("ned") as ned:
        async with ned.db.session() as session, session.begin():
            for n, (sex, ethnic, disability) in enumerate(people):
                session.add_all(candidate(f"POOL{n}", "Y63", sex, ethnic, disability))
                await session.flush()
            for n in range(3):
                person, _ = candidate(f"QUIET{n}", "Y63", "female", None, "no")
                session.add(person)
        region = auth("ned:read", region="Y63")
        response = await ned.client.get("/v1/diversity/Y63/candidate-pool", headers=region)
        assert response.status_code == 200, response.text
        pool = response.json()
        assert pool["holder_code"] == "Y63" and pool["candidates"] == 25  # 24, rounded
        by = {d["dimension"]: {g["group"]: g for g in d["groups"]} for d in pool["dimensions"]}
        assert by["sex"]["female"]["candidates"] == 10  # 12
        assert by["sex"]["not_stated"]["candidates"] == "*"  # the 3 who declared nothing
        # ... and the 9 men with them, or 25 - 10 would give the 3 away.
        assert by["sex"]["male"]["candidates"] == "*"
        assert by["ethnicity"]["white"]["candidates"] == 15  # 14
        assert by["ethnicity"]["bme"]["candidates"] == "*"  # 6
        assert by["ethnicity"]["unknown"]["candidates"] == "*"  # 4, and protects the 6
        assert by["disability"]["disabled"]["candidates"] == "*"
        assert by["ethnicity"]["white"]["share_pct"] == 60.0
        refused = await ned.client.get("/v1/diversity/Y63/candidate-pool", headers=LEEDS)
        assert refused.status_code == 403
