"""The OpenAPI document and the offline reference page, both generated from the command registry."""

from __future__ import annotations

import html
from typing import Any

import msgspec

from liveroom import __version__
from liveroom.api.registry import Registry
from liveroom.errors import ErrorCode

QUERY_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "sdkappid",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "description": "the app's SDKAppID",
    },
    {
        "name": "identifier",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "description": "an admin account of the app",
    },
    {
        "name": "usersig",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "description": "the identifier's UserSig",
    },
    {
        "name": "random",
        "in": "query",
        "required": True,
        "schema": {"type": "integer", "minimum": 0, "maximum": 4294967295},
    },
    {"name": "contenttype", "in": "query", "required": True, "schema": {"type": "string", "enum": ["json"]}},
]


REQUEST_ID_PATTERN = "^Id-[0-9a-f]{32}-O-Seq-[0-9]+$"
FAILURE = "ErrorEnvelope"
_ENVELOPE_FIELDS = ["ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"]

# decisions.md section 2: a failure carries exactly these four fields, whatever the API.
_FAILURE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Any failure: a non-zero ErrorCode and a human ErrorInfo; never a Response.",
    "required": _ENVELOPE_FIELDS,
    "properties": {
        "ActionStatus": {"const": "FAIL"},
        "ErrorInfo": {"type": "string", "minLength": 1},
        "ErrorCode": {"type": "integer", "minimum": 1},
        "RequestId": {"type": "string", "pattern": REQUEST_ID_PATTERN},
    },
    "additionalProperties": False,
}


def _envelope(payload_ref: str | None, top_level: bool) -> dict[str, Any]:
    """The answer of one API: its success envelope, or the failure envelope."""
    properties: dict[str, Any] = {
        "ActionStatus": {"const": "OK"},
        "ErrorInfo": {"const": ""},
        "ErrorCode": {"const": 0},
        "RequestId": {"type": "string", "pattern": REQUEST_ID_PATTERN},
    }
    success: dict[str, Any] = {"type": "object", "required": list(_ENVELOPE_FIELDS), "properties": properties}
    if payload_ref is not None and not top_level:
        properties["Response"] = {"$ref": payload_ref}
        success["required"].append("Response")
    elif payload_ref is not None:
        # IM answers (and get_gift's) put their result fields beside the envelope's, as Tencent does.
        success = {"allOf": [success, {"$ref": payload_ref}]}
    return {"oneOf": [success, {"$ref": f"#/components/schemas/{FAILURE}"}]}


def build(registry: Registry) -> dict[str, Any]:
    commands = list(registry)
    types: list[Any] = [c.request for c in commands] + [c.response for c in commands if c.response]
    schemas, components = msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")
    by_type = dict(zip(types, schemas, strict=True))
    if FAILURE in components:
        raise ValueError(f"a wire schema may not be called {FAILURE}: the failure envelope has that name")
    paths: dict[str, Any] = {}
    for c in commands:
        payload = by_type[c.response]["$ref"] if c.response else None
        paths[c.path] = {
            "post": {
                "operationId": f"{c.service}.{c.name}",
                "summary": c.summary.splitlines()[0],
                "description": c.summary + f"\n\nRate limit: {c.rate} per app.",
                "tags": [c.service],
                "parameters": QUERY_PARAMETERS,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": by_type[c.request]}},
                },
                "responses": {
                    "200": {
                        "description": "Every outcome; see ErrorCode. Codes this API answers: "
                        + ", ".join(str(int(code)) for code in c.all_errors),
                        "content": {"application/json": {"schema": _envelope(payload, c.top_level)}},
                    }
                },
                "x-error-codes": [int(code) for code in c.all_errors],
                "x-rate-limit": str(c.rate),
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "liveroom",
            "version": __version__,
            "description": "The Tencent Cloud TUILiveKit (Live) server REST API, as liveroom serves it.",
        },
        "paths": paths,
        "components": {"schemas": {**components, FAILURE: _FAILURE_SCHEMA}},
    }


def _fields(schema: dict[str, Any], components: dict[str, Any]) -> str:
    rows = []
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type") or ("object" if "$ref" in prop else "any")
        if "anyOf" in prop:
            kind = " | ".join(p.get("type", "object") for p in prop["anyOf"])
        note = prop.get("description", "")
        rows.append(
            f"<tr><td><code>{html.escape(name)}</code></td><td>{html.escape(str(kind))}</td>"
            f"<td>{'yes' if name in required else ''}</td><td>{html.escape(note)}</td></tr>"
        )
    return "".join(rows)


def reference_page(registry: Registry) -> str:
    document = build(registry)
    components = document["components"]["schemas"]
    sections = []
    for c in registry:
        request_name = c.request.__name__
        sections.append(
            f"<section id='{c.service}.{c.name}'><h2><code>POST {html.escape(c.path)}</code></h2>"
            f"<p>{html.escape(c.summary)}</p><p>Rate limit: {c.rate} per app. Error codes: "
            + ", ".join(
                f"<code>{int(code)}</code> {html.escape(ErrorCode(code).name.lower())}" for code in c.all_errors
            )
            + "</p><table><tr><th>field</th><th>type</th><th>required</th><th>rule</th></tr>"
            + _fields(components.get(request_name, {}), components)
            + "</table></section>"
        )
    index = "".join(f"<li><a href='#{c.service}.{c.name}'>{c.service}/{c.name}</a></li>" for c in registry)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>liveroom API reference</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}"
        "code{background:#f4f4f4}</style></head><body><h1>liveroom API reference</h1>"
        "<p>Every call is <code>POST /v4/{service}/{command}?sdkappid=&amp;identifier=&amp;usersig=&amp;"
        "random=&amp;contenttype=json</code> with a JSON body and answers HTTP 200 with the envelope. "
        "Machine-readable: <a href='/openapi.json'>/openapi.json</a>.</p>"
        f"<ul>{index}</ul>{''.join(sections)}</body></html>"
    )
