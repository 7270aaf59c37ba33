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
