"""The people directory over HTTP: imports, rejections, events in the outbox, reach."""

import json
import uuid
from typing import Any

from sqlalchemy import select

from devstack.testing import auth
from shared.tables import outbox
from talent.people.models import PersonProtectedCharacteristics

NDJSON = {"Content-Type": "application/x-ndjson"}
CSV = {"Content-Type": "text/csv"}
WRITER = "talent:read talent:write"
NATIONAL = "talent:read talent:write national"


def row(person_id: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "person_id": person_id,
        "org_code": "R1H",
        "job_title": "Staff Nurse",
        "staff_group": "Nursing and Midwifery Registered",
        "band": "5",
        "start_date": "2021-09-01",
        "status": "active",
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def ndjson(*rows: dict[str, Any] | str) -> bytes:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


async def import_rows(svc: Any, body: bytes, headers: dict[str, str] | None = None, **kw: Any):
    return await svc.client.post(
        "/v1/people:import",
        content=body,
        headers={**NDJSON, **auth(kw.pop("scopes", NATIONAL), **kw), **(headers or {})},
    )


async def outbox_events(svc: Any) -> list[Any]:
    async with svc.db.session() as session:
        result = await session.execute(select(outbox).order_by(outbox.c.seq))
        return list(result.all())


async def test_good_rows_are_applied_and_bad_rows_reported(start_service: Any) -> None:
    async with start_service("talent") as svc:
        body = ndjson(
            row("1001", job_title="Ward Manager", band="Band 7", is_line_manager=True),
            row("1002", line_manager_id="1001"),
            row("1003", band="12"),
            "{not json",
            row("1004", status="left"),
            row("1002", band="6"),
            row("1005", org_code="ZZZ"),
        )
        response = await import_rows(svc, body)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["rows"] == 7
        assert (report["created"], report["updated"], report["unchanged"]) == (2, 0, 0)
        assert report["rejected"] == 5
        assert report["events_published"] == 2
        rejected = {r["line"]: r for r in report["rejections"]}
        assert sorted(rejected) == [3, 4, 5, 6, 7]
        assert rejected[3]["person_id"] == "1003"
        assert [e["path"] for e in rejected[3]["errors"]] == ["band"]
        assert rejected[4]["errors"][0]["type"] == "json_invalid"
        assert [e["type"] for e in rejected[5]["errors"]] == ["leaver_without_date"]
        assert [e["type"] for e in rejected[6]["errors"]] == ["duplicate"]
        assert [e["type"] for e in rejected[7]["errors"]] == ["unknown_organisation"]

        person = await svc.client.get("/v1/people/1001", headers=auth("talent:read national"))
        assert person.status_code == 200
        assert person.headers["ETag"].startswith('"1-')
        assert person.json()["band"] == "7"
        assert person.json()["staff_group"] == "nursing_midwifery_registered"

        events = await outbox_events(svc)
        assert [(e.type, e.key) for e in events] == [
            ("leadership.person.changed.v1", "1001"),
            ("leadership.person.changed.v1", "1002"),
        ]
        payload = events[1].payload
        assert payload["line_manager_id"] == "1001"
        assert payload["is_line_manager"] is False
        assert payload["start_date"] == "2021-09-01"
        assert payload["left_on"] is None
        assert events[1].subject == f"people/{payload['directory_id']}"
        assert "1002" not in events[1].subject


async def test_a_repeat_changes_nothing_and_a_change_emits_one_event(start_service: Any) -> None:
    async with start_service("talent") as svc:
        body = ndjson(row("2001"), row("2002"))
        first = await import_rows(svc, body)
        assert first.json()["created"] == 2
        etag = (await svc.client.get("/v1/people/2001", headers=auth(NATIONAL))).headers["ETag"]

        again = (await import_rows(svc, body)).json()
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
        assert again["events_published"] == 0
        assert len(await outbox_events(svc)) == 2

        changed = (await import_rows(svc, ndjson(row("2001", band="6"), row("2002")))).json()
        assert (changed["updated"], changed["unchanged"], changed["events_published"]) == (1, 1, 1)
        events = await outbox_events(svc)
        assert len(events) == 3
        assert events[-1].payload["band"] == "6"
        assert events[-1].payload["changed_fields"] == ["band"]
        assert events[-1].payload["version"] == 2

        person = await svc.client.get("/v1/people/2001", headers=auth(NATIONAL))
        assert person.json()["version"] == 2
        assert person.headers["ETag"] != etag

        # A field that is not published changes the record but emits nothing.
        registered = ndjson(row("2001", band="6", professional_registration="NMC 12A3456E"))
        report = (await import_rows(svc, registered)).json()
        assert (report["updated"], report["events_published"]) == (1, 0)
        assert len(await outbox_events(svc)) == 3


async def test_csv_with_header_row(start_service: Any) -> None:
    csv_body = (
        b"Person ID,Org Code,Job Title,Staff Group,Band,Line Manager ID,Start Date,Status,Left On\n"
        b"3001,r1h,Consultant Cardiologist,Medical and Dental,medical,,01/08/2015,active,\n"
        b"3002,R1H,Porter,Estates and Ancillary,2,3001,2020-01-01,left,2024-06-30\n"
        b"3003,R1H,Porter,Estates and Ancillary,2,,2020-01-01,sacked,\n"
        b"3004,R1H,Porter,Estates and Ancillary,2,,2020-01-01,left,2019-01-01\n"
    )
    async with start_service("talent") as svc:
        response = await svc.client.post(
            "/v1/people:import", content=csv_body, headers={**CSV, **auth(NATIONAL)}
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["created"], report["rejected"]) == (2, 2)
        assert [(r["line"], r["errors"][0]["path"]) for r in report["rejections"]] == [
            (4, "status"),
            (5, "left_on"),
        ]
        leaver = (await svc.client.get("/v1/people/3002", headers=auth(NATIONAL))).json()
        assert (leaver["status"], leaver["left_on"]) == ("left", "2024-06-30")
        consultant = (await svc.client.get("/v1/people/3001", headers=auth(NATIONAL))).json()
        assert (consultant["band"], consultant["start_date"]) == ("medical", "2015-08-01")
        # 3002 left, so 3001 manages no one: the derived flag is false.
        assert consultant["is_line_manager"] is False

        bad_header = await svc.client.post(
            "/v1/people:import",
            content=b"person_id,favourite_colour\n1,blue\n",
            headers={**CSV, **auth(NATIONAL)},
        )
        assert bad_header.status_code == 422
        assert bad_header.headers["content-type"] == "application/problem+json"


async def test_leaver_emits_the_leaving(start_service: Any) -> None:
    async with start_service("talent") as svc:
        await import_rows(svc, ndjson(row("4001")))
        report = (
            await import_rows(svc, ndjson(row("4001", status="left", left_on="2026-03-31")))
        ).json()
        assert (report["updated"], report["events_published"]) == (1, 1)
        last = (await outbox_events(svc))[-1].payload
        assert (last["status"], last["left_on"]) == ("left", "2026-03-31")
        assert sorted(last["changed_fields"]) == ["left_on", "status"]


async def test_line_manager_flag_is_derived_when_left_out(start_service: Any) -> None:
    async with start_service("talent") as svc:
        await import_rows(svc, ndjson(row("5001"), row("5002", line_manager_id="5001")))
        manager = (await svc.client.get("/v1/people/5001", headers=auth(NATIONAL))).json()
        assert manager["is_line_manager"] is True
        # A later extract for the manager alone still knows about the report on record.
        report = (await import_rows(svc, ndjson(row("5001")))).json()
        assert report["unchanged"] == 1


async def test_reach_applies_per_row_and_on_reads(start_service: Any) -> None:
    async with start_service("talent") as svc:
        barts = {"scopes": WRITER, "org": "R1H"}
        report = (
            await import_rows(svc, ndjson(row("6001"), row("6002", org_code="RAE")), **barts)
        ).json()
        assert report["created"] == 1
        assert report["rejections"][0]["line"] == 2
        assert report["rejections"][0]["errors"][0]["type"] == "out_of_reach"

        await import_rows(svc, ndjson(row("6003", org_code="RAL"), row("6004", org_code="RAE")))
        assert (await svc.client.get("/v1/people/6001", headers=auth(WRITER, org="R1H"))).is_success
        denied = await svc.client.get("/v1/people/6003", headers=auth(WRITER, org="R1H"))
        assert denied.status_code == 403
        assert denied.headers["content-type"] == "application/problem+json"

        london = await svc.client.get("/v1/people", headers=auth(WRITER, region="Y56"))
        assert sorted(p["person_id"] for p in london.json()["items"]) == ["6001", "6003"]
        nobody = await svc.client.get("/v1/people", headers=auth(WRITER))
        assert nobody.json()["items"] == []
        other = await svc.client.get("/v1/people?org_code=rae", headers=auth(WRITER, org="R1H"))
        assert other.status_code == 403

        # Barts cannot take over a current Royal Free employee, only one Royal Free let go.
        move = ndjson(row("6003", org_code="R1H"))
        refused = (await import_rows(svc, move, **barts)).json()
        assert refused["rejections"][0]["errors"][0]["path"] == "person_id"
        await import_rows(
            svc, ndjson(row("6003", org_code="RAL", status="left", left_on="2026-01-31"))
        )
        accepted = (await import_rows(svc, move, **barts)).json()
        assert accepted["updated"] == 1


async def test_protected_characteristics_stay_out_of_events(start_service: Any) -> None:
    async with start_service("talent") as svc:
        given = row("7001", ethnic_category="H", disability="yes", sex="female")
        report = (await import_rows(svc, ndjson(given))).json()
        assert report["created"] == 1
        payload = json.dumps([dict(e._mapping) for e in await outbox_events(svc)], default=str)
        for leaked in ("ethnic", "disability", '"sex"', "female"):
            assert leaked not in payload

        person = await svc.client.get("/v1/people/7001", headers=auth(NATIONAL))
        assert "ethnic_category" not in person.json()
        async with svc.db.session() as session:
            stored = await session.get(PersonProtectedCharacteristics, "7001")
            assert stored is not None
            assert (stored.ethnic_category, stored.disability, stored.sex) == ("H", "yes", "female")

        # A change of characteristic alone updates the restricted record and emits nothing.
        report = (await import_rows(svc, ndjson(row("7001", disability="no")))).json()
        assert (report["updated"], report["events_published"]) == (1, 0)
        async with svc.db.session() as session:
            stored = await session.get(PersonProtectedCharacteristics, "7001")
            assert stored is not None
            assert (stored.ethnic_category, stored.disability) == ("H", "no")

        # A rejected value is named, never echoed.
        bad = (await import_rows(svc, ndjson(row("7002", ethnic_category="Q9x")))).json()
        assert bad["rejections"][0]["errors"][0]["path"] == "ethnic_category"
        assert "Q9x" not in json.dumps(bad)


async def test_idempotency_key_replays_the_first_response(start_service: Any) -> None:
    async with start_service("talent") as svc:
        key = {"Idempotency-Key": str(uuid.uuid4())}
        body = ndjson(row("8001"))
        first = await import_rows(svc, body, key)
        second = await import_rows(svc, body, key)
        assert first.status_code == second.status_code == 200
        assert second.headers.get("Idempotent-Replayed") == "true"
        assert second.json() == first.json()
        assert len(await outbox_events(svc)) == 1

        reused = await import_rows(svc, ndjson(row("8002")), key)
        assert reused.status_code == 422
        assert reused.headers["content-type"] == "application/problem+json"


async def test_errors_are_problems(start_service: Any) -> None:
    async with start_service(
        "talent", people_import_max_rows=2, people_import_max_bytes=2048
    ) as svc:
        client = svc.client
        no_token = await client.post("/v1/people:import", content=b"{}\n", headers=NDJSON)
        assert no_token.status_code == 401
        reader = await import_rows(svc, ndjson(row("9001")), scopes="talent:read national")
        assert reader.status_code == 403
        json_body = await client.post(
            "/v1/people:import",
            content=b"[]",
            headers={"Content-Type": "application/json", **auth(NATIONAL)},
        )
        assert json_body.status_code == 415
        too_many = await import_rows(svc, ndjson(row("9001"), row("9002"), row("9003")))
        assert too_many.status_code == 413
        too_big = await import_rows(svc, ndjson(row("9001", job_title="x" * 3000)))
        assert too_big.status_code == 413
        empty = await import_rows(svc, b"\n")
        assert empty.status_code == 422
        missing = await client.get("/v1/people/nobody", headers=auth(NATIONAL))
        assert missing.status_code == 404
        bad_id = await client.get("/v1/people/not%20an%20id", headers=auth(NATIONAL))
        assert bad_id.status_code == 422
        for response in (no_token, reader, json_body, too_many, too_big, empty, missing, bad_id):
            assert response.headers["content-type"] == "application/problem+json"


async def test_list_is_paginated(start_service: Any) -> None:
    async with start_service("talent") as svc:
        await import_rows(svc, ndjson(*(row(f"10{n:02d}") for n in range(5))))
        seen: list[str] = []
        cursor = None
        while True:
            query = "/v1/people?limit=2" + (f"&cursor={cursor}" if cursor else "")
            page = (await svc.client.get(query, headers=auth(NATIONAL))).json()
            seen += [p["person_id"] for p in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [f"10{n:02d}" for n in range(5)]
