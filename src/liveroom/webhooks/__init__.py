"""Webhooks: callbacks to the app backend, made and sent as Tencent's Live callbacks are (decisions.md section 8).

``payloads`` makes a callback's JSON from a typed fact, ``signing`` the delivery URL with ``Sign`` and
``RequestTime``, ``http`` posts it; ``sender`` delivers the outbox (after-callbacks, at least once, in order per
room) and ``hooks`` asks the backend before an action (before-callbacks, synchronous).
"""
