from devstack.testing import auth


async def test_board_of_a_trust_lists_its_seats(start_service) -> None:
    async with start_service("ned") as ned:
        response = await ned.client.get("/v1/boards/rr8", headers=auth("ned:read national"))
        assert response.status_code == 200
        board = response.json()
        assert board["org_code"] == "RR8"
        assert board["org_type"] in {"NHS_TRUST", "FOUNDATION_TRUST"}
        assert board["region_code"].startswith("Y")
        assert board["seats"] == []


async def test_unknown_org_and_a_region_have_no_board(start_service) -> None:
    async with start_service("ned") as ned:
        for code in ("ZZZ", "Y56"):
            response = await ned.client.get(f"/v1/boards/{code}", headers=auth("ned:read national"))
            assert response.status_code == 404
            assert response.headers["content-type"] == "application/problem+json"


async def test_board_outside_the_token_reach_is_refused(start_service) -> None:
    async with start_service("ned") as ned:
        response = await ned.client.get("/v1/boards/RR8", headers=auth("ned:read", org="RXF"))
        assert response.status_code == 403
        assert response.json()["status"] == 403
        own = await ned.client.get("/v1/boards/RXF", headers=auth("ned:read", org="RXF"))
        assert own.status_code == 200


WRITER = auth("ned:read ned:write national")


async def test_seats_are_created_and_changed_with_their_committee_roles(start_service) -> None:
    async with start_service("ned") as ned:
        chair = await ned.client.post(
            "/v1/boards/RR8/seats", json={"role": "chair", "title": "Chair"}, headers=WRITER
        )
        assert chair.status_code == 201, chair.text
        assert chair.json()["voting"] is True
        assert chair.json()["appointing_body"] == "nhs_england"
        associate = await ned.client.post(
            "/v1/boards/RR8/seats",
            json={"role": "associate_non_executive", "title": "Associate NED"},
            headers=WRITER,
        )
        assert associate.json()["voting"] is False
        ned_seat = await ned.client.post(
            "/v1/boards/RR8/seats",
            json={
                "role": "non_executive",
                "title": "NED",
                "committee_roles": ["senior_independent_director", "audit_committee_chair"],
            },
            headers=WRITER,
        )
        assert ned_seat.status_code == 201
        second_chair = await ned.client.post(
            "/v1/boards/RR8/seats", json={"role": "chair", "title": "Chair"}, headers=WRITER
        )
        assert second_chair.status_code == 422
        second_sid = await ned.client.post(
            "/v1/boards/RR8/seats",
            json={
                "role": "non_executive",
                "title": "NED",
                "committee_roles": ["senior_independent_director"],
            },
            headers=WRITER,
        )
        assert second_sid.status_code == 409
        executive_auditor = await ned.client.post(
            "/v1/boards/RR8/seats",
            json={
                "role": "executive",
                "title": "Chief finance officer",
                "committee_roles": ["audit_committee_chair"],
            },
            headers=WRITER,
        )
        assert executive_auditor.status_code == 422
        partner = await ned.client.post(
            "/v1/boards/RR8/seats", json={"role": "partner_member", "title": "P"}, headers=WRITER
        )
        assert partner.status_code == 422  # partner members sit on ICB boards
        icb_partner = await ned.client.post(
            "/v1/boards/QWO/seats", json={"role": "partner_member", "title": "P"}, headers=WRITER
        )
        assert icb_partner.status_code == 201
        assert icb_partner.json()["appointing_body"] == "icb"  # provisional, decision 0014

        url = f"/v1/boards/RR8/seats/{ned_seat.json()['id']}"
        current = await ned.client.get(url, headers=WRITER)
        change = {"committee_roles": ["deputy_chair"]}
        assert (await ned.client.patch(url, json=change, headers=WRITER)).status_code == 428
        changed = await ned.client.patch(
            url, json=change, headers={**WRITER, "If-Match": current.headers["ETag"]}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["committee_roles"] == ["deputy_chair"]
        stale = await ned.client.patch(
            url, json=change, headers={**WRITER, "If-Match": current.headers["ETag"]}
        )
        assert stale.status_code == 412
        # The senior independent director's role is free again.
        sid = await ned.client.post(
            "/v1/boards/RR8/seats",
            json={
                "role": "non_executive",
                "title": "SID",
                "committee_roles": ["senior_independent_director"],
            },
            headers=WRITER,
        )
        assert sid.status_code == 201

        board = (await ned.client.get("/v1/boards/RR8", headers=WRITER)).json()
        assert sorted(s["role"] for s in board["seats"]) == [
            "associate_non_executive",
            "chair",
            "non_executive",
            "non_executive",
        ]


async def test_seats_of_another_organisation_cannot_be_created_or_read(start_service) -> None:
    async with start_service("ned") as ned:
        leeds = auth("ned:read ned:write", org="RR8")
        refused = await ned.client.post(
            "/v1/boards/RJ1/seats", json={"role": "chair", "title": "Chair"}, headers=leeds
        )
        assert refused.status_code == 403
        guys_seat = await ned.client.post(
            "/v1/boards/RJ1/seats", json={"role": "chair", "title": "Chair"}, headers=WRITER
        )
        hidden = await ned.client.get(
            f"/v1/boards/RJ1/seats/{guys_seat.json()['id']}", headers=leeds
        )
        assert hidden.status_code == 403
        wrong_board = await ned.client.get(
            f"/v1/boards/RR8/seats/{guys_seat.json()['id']}", headers=leeds
        )
        assert wrong_board.status_code == 404
