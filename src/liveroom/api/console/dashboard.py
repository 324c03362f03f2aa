"""The dashboard: the server's metrics (``liveroom.api.metrics``, what ``/metrics`` exposes) as charts that update
while the page is open. The page asks for a snapshot every few seconds and draws rates and percentiles from the
difference between two (console/dashboard.js, with uPlot)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from liveroom.api.console.context import Console, Signed

# How often the page asks for a snapshot, in seconds.
POLL_SECONDS = 2


class Dashboard:
    def __init__(self, console: Console) -> None:
        self.console = console

    def routes(self) -> list[Route]:
        signed_in = self.console.signed_in
        return [
            Route("/dashboard", signed_in(self.page), methods=["GET"]),
            Route("/api/metrics", signed_in(self.snapshot), methods=["GET"]),
        ]

    async def page(self, request: Request, signed: Signed) -> Response:
        return self.console.render(request, "dashboard.html", {"poll_seconds": POLL_SECONDS}, signed=signed)

    async def snapshot(self, _request: Request, _signed: Signed) -> Response:
        return JSONResponse(await self.console.metrics.snapshot(), headers={"Cache-Control": "no-store"})
