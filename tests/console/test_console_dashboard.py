"""The dashboard's figures (/console/api/metrics): only for a signed-in operator; what the REST API answered since
the start, by command and by failing ErrorCode, the latency histogram, members online and rooms."""

from __future__ import annotations

import httpx

from liveroom.api.app import LiveroomApp
from tests.console.session import console_client
from tests.helpers import LiveClient

METRICS = "/console/api/metrics"


async def test_refused_without_a_session(server: LiveroomApp) -> None:
    async with console_client(server) as stranger:
        assert (await stranger.get(METRICS)).status_code == 401
        page = await stranger.get("/console/dashboard")
        assert (page.status_code, page.headers["location"]) == (303, "/console/sign-in?next=/console/dashboard")


async def test_the_figures_count_what_the_rest_api_answered(
    server: LiveroomApp, browser: httpx.AsyncClient, live: LiveClient
) -> None:
    before = (await browser.get(METRICS)).json()
    await live.create_room("counted")
    for _ in range(3):
        await live.ok("get_room_info", {"RoomId": "counted"})
    await live.fails(100004, "get_room_info", {"RoomId": "missing"})
    await server.metrics.refresh(force=True)
    answer = await browser.get(METRICS)
    assert answer.headers["cache-control"] == "no-store"
    after = answer.json()
    assert after["Requests"]["get_room_info"] - before["Requests"].get("get_room_info", 0) == 4
    assert after["Requests"]["create_room"] - before["Requests"].get("create_room", 0) == 1
    assert after["Errors"]["100004"] - before["Errors"].get("100004", 0) == 1
    assert "0" not in after["Errors"]
    bounds = [bound for bound, _count in after["LatencyBuckets"]]
    assert bounds[-1] == "+Inf"
    assert bounds[:-1] == sorted(bounds[:-1])
    # Cumulative: the +Inf bucket counts every request answered.
    assert after["LatencyBuckets"][-1][1] == sum(after["Requests"].values())
    assert after["Rooms"] == 1
    assert after["MembersOnline"] == 0
    assert after["Time"] >= before["Time"]
    dashboard = await browser.get("/console/dashboard")
    assert dashboard.status_code == 200
    assert "/static/console/vendor/uPlot.iife.min.js" in dashboard.text
