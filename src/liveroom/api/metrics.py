"""Prometheus metrics at ``/metrics``: requests by command and ErrorCode, latency by command, members, rooms.

With ``liveroom serve --workers N`` (N > 1) the workers share ``PROMETHEUS_MULTIPROC_DIR`` (``serve`` makes one)
and any worker answers a scrape with the sum over all of them (prometheus_client's multiprocess mode). The
environment variable must be set before ``prometheus_client`` is imported: it picks its value store at import.

The gateway records each request with ``observe`` into plain dictionaries (about half a microsecond), and
``flush`` moves the sums into prometheus_client at a scrape and every ``FLUSH_SECONDS``: calling prometheus_client
per request cost 3 µs a request in one process and 7 µs in multiprocess mode (its values are locked and, there,
written to a memory-mapped file). So in multiprocess mode another worker's figures lag by up to a second.
The gauges are refreshed at most every ``refresh_seconds`` when scraped and by the same background task (so that
every worker's share is current in multiprocess mode), never per request.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from starlette.requests import Request
from starlette.responses import Response

from liveroom import background
from liveroom.store.interface import WebhookStats
from liveroom.webhooks.sender import SenderStats

log = logging.getLogger("liveroom.metrics")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Seconds; the gateway answers most calls in well under a millisecond, a slow store shows in the upper buckets.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
UNKNOWN_COMMAND = "-"
FLUSH_SECONDS = 1.0


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    def __init__(
        self,
        *,
        online_members: Callable[[], int],
        count_rooms: Callable[[], Awaitable[int]] | None = None,
        webhook_stats: Callable[[], Awaitable[list[WebhookStats]]] | None = None,
        sender: SenderStats | None = None,
        refresh_seconds: float = 5.0,
    ) -> None:
        self.registry = CollectorRegistry()
        self.refresh_seconds = refresh_seconds
        self._online_members = online_members
        self._count_rooms = count_rooms
        self._webhook_stats = webhook_stats
        self._sender = sender
        self._refreshed = -float("inf")
        self._task: asyncio.Task[None] | None = None
        self.requests = Counter(
            "liveroom_requests",
            "/v4 requests answered, by command and ErrorCode",
            ["command", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "liveroom_request_duration_seconds",
            "Time to answer a /v4 request, by command",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        # Per process: the sum over the workers (and over the nodes) is the total.
        self.members = Gauge(
            "liveroom_online_members",
            "Members connected to a room over /realtime on this node",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        # The database's count: the same on every node (take max, not sum, across nodes).
        self.rooms = Gauge(
            "liveroom_rooms", "Rooms in the database", registry=self.registry, multiprocess_mode="livemax"
        )
        self.webhooks = Counter(
            "liveroom_webhook_events",
            "Webhook events by app and outcome: delivered, retried (an attempt failed, another follows), dead "
            "(given up after 24 h), discarded (the callback configuration no longer asks for it)",
            ["sdkappid", "outcome"],
            registry=self.registry,
        )
        # The database's figures, like the rooms: the same on every node.
        self.webhook_pending = Gauge(
            "liveroom_webhook_pending",
            "Webhook events waiting to be delivered, by app",
            ["sdkappid"],
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.webhook_dead = Gauge(
            "liveroom_webhook_dead",
            "Dead webhook events kept for redelivery, by app",
            ["sdkappid"],
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.webhook_oldest = Gauge(
            "liveroom_webhook_oldest_pending_seconds",
            "Age of the oldest webhook event not yet delivered, by app (0 when none waits)",
            ["sdkappid"],
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self._requests: dict[tuple[str, int], Counter] = {}
        self._latencies: dict[str, Histogram] = {}
        # Not yet flushed: requests by (command, code); by command, the count per bucket (+Inf last), then the sum.
        self._counts: dict[tuple[str, int], int] = {}
        self._buckets: dict[str, list[float]] = {}

    def observe(self, command: str, code: int, seconds: float) -> None:
        """One answered request: the gateway's hot path, so plain dictionary and list arithmetic only."""
        counts = self._counts
        key = (command, code)
        counts[key] = counts.get(key, 0) + 1
        buckets = self._buckets.get(command)
        if buckets is None:
            buckets = self._buckets[command] = [0.0] * (len(LATENCY_BUCKETS) + 2)
        # prometheus_client's rule: the first bucket whose bound is >= the value.
        buckets[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        buckets[-1] += seconds

    def flush(self) -> None:
        """Move what ``observe`` (and the webhook sender) gathered into the prometheus_client metrics."""
        if self._sender is not None:
            taken = self._sender.take()
            for outcome, per_app in (
                ("delivered", taken.delivered),
                ("retried", taken.retried),
                ("dead", taken.dead),
                ("discarded", taken.discarded),
            ):
                for sdkappid, n in per_app.items():
                    self.webhooks.labels(str(sdkappid), outcome).inc(n)
        counts, self._counts = self._counts, {}
        latencies, self._buckets = self._buckets, {}
        for (command, code), n in counts.items():
            counter = self._requests.get((command, code))
            if counter is None:
                counter = self._requests[(command, code)] = self.requests.labels(command, str(int(code)))
            counter.inc(n)
        for command, buckets in latencies.items():
            histogram = self._latencies.get(command)
            if histogram is None:
                histogram = self._latencies[command] = self.latency.labels(command)
            # prometheus_client observes one value at a time; these are its per-bucket (non-cumulative) values,
            # pinned by tests/api/test_operations.py.
            histogram._sum.inc(buckets[-1])
            for index, observed in enumerate(buckets[:-1]):
                if observed:
                    histogram._buckets[index].inc(observed)

    async def refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._refreshed < self.refresh_seconds:
            return
        self._refreshed = now
        self.members.set(self._online_members())
        if self._count_rooms is not None:
            try:
                self.rooms.set(await self._count_rooms())
            except Exception as exc:
                log.warning("metrics: counting rooms failed: %s", type(exc).__name__)
        if self._webhook_stats is not None:
            try:
                stats = await self._webhook_stats()
            except Exception as exc:
                log.warning("metrics: reading the webhook outbox failed: %s", type(exc).__name__)
            else:
                self._set_webhook_gauges(stats)

    def _set_webhook_gauges(self, stats: list[WebhookStats]) -> None:
        now_ms = time.time() * 1000
        for gauge in (self.webhook_pending, self.webhook_dead, self.webhook_oldest):
            gauge.clear()
        for app in stats:
            label = str(app.sdkappid)
            self.webhook_pending.labels(label).set(app.pending)
            self.webhook_dead.labels(label).set(app.dead)
            oldest = 0.0 if app.oldest_pending is None else max(0.0, (now_ms - app.oldest_pending) / 1000)
            self.webhook_oldest.labels(label).set(oldest)

    async def start(self) -> None:
        await self.refresh(force=True)
        self._task = asyncio.create_task(self._background())

    async def close(self) -> None:
        task, self._task = self._task, None
        await background.stop(task)
        self.flush()
        if multiprocess_dir() is not None:
            # This worker's live gauges stop counting in the sum.
            prometheus_multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    async def _background(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            self.flush()
            await self.refresh()

    def collected(self) -> CollectorRegistry:
        """What a scrape reads: this process's registry, or with several workers the sum over all of them."""
        self.flush()
        directory = multiprocess_dir()
        if directory is None:
            return self.registry
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        return registry

    def exposition(self) -> bytes:
        return generate_latest(self.collected())

    async def snapshot(self) -> dict[str, Any]:
        """The figures the console's dashboard charts, read as a scrape reads them (so, with several workers, the
        sum over them): requests answered by command and failures by ErrorCode since the start, the latency
        histogram of every command together (cumulative counts by upper bound in seconds, +Inf last), members
        online, rooms. The page takes rates and percentiles from the difference between two snapshots."""
        await self.refresh()
        # Collecting takes as long as a scrape (milliseconds with many commands): off the event loop.
        return await asyncio.to_thread(_figures, self.collected())

    async def endpoint(self, _request: Request) -> Response:
        await self.refresh()
        return Response(self.exposition(), media_type=CONTENT_TYPE_LATEST)


def _figures(registry: CollectorRegistry) -> dict[str, Any]:
    """``Metrics.snapshot`` of what ``registry`` collects."""
    requests: dict[str, int] = {}
    errors: dict[str, int] = {}
    buckets: dict[float, int] = {}
    gauges: dict[str, float] = {}
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == "liveroom_requests_total":
                command, code = sample.labels["command"], sample.labels["code"]
                requests[command] = requests.get(command, 0) + int(sample.value)
                if code != "0":
                    errors[code] = errors.get(code, 0) + int(sample.value)
            elif sample.name == "liveroom_request_duration_seconds_bucket":
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0) + int(sample.value)
            elif sample.name in ("liveroom_online_members", "liveroom_rooms"):
                gauges[sample.name] = sample.value
    bounds = sorted(buckets)
    return {
        "Time": time.time(),
        "Requests": requests,
        "Errors": errors,
        "LatencyBuckets": [["+Inf" if b == float("inf") else b, buckets[b]] for b in bounds],
        "MembersOnline": int(gauges.get("liveroom_online_members", 0)),
        "Rooms": int(gauges.get("liveroom_rooms", 0)),
    }
