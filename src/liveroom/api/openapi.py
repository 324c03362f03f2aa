"""The OpenAPI document and the offline reference page, both generated from the command registry."""

from __future__ import annotations

from typing import Any

import msgspec

from liveroom import __version__
from liveroom.api.registry import Registry

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


DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>liveroom API reference</title>
  <link rel="stylesheet" href="/static/console/vendor/swagger-ui.css">
  <link rel="stylesheet" href="/static/console/docs.css">
  <script src="/static/console/vendor/swagger-ui-bundle.js" defer></script>
  <script src="/static/console/docs.js" defer></script>
</head>
<body>
<main>
  <h1>liveroom API reference</h1>
  <p>Every call is
    <code>POST /v4/{service}/{command}?sdkappid=&amp;identifier=&amp;usersig=&amp;random=&amp;contenttype=json</code>
    with a JSON body, and answers HTTP 200 with the envelope (<code>ErrorCode</code> 0, or the failure's code and
    <code>ErrorInfo</code>). Open an API for its fields (nested ones too), an example request and answer, and
    <em>Try it out</em>. Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
  <section aria-labelledby="try-heading" class="try-as">
    <h2 id="try-heading">Try it as</h2>
    <p id="try-sign-in"><a href="/console/sign-in?next=/docs">Sign in to the console</a> to have a UserSig made
      here, or paste one made with <code>liveroom usersig</code>.</p>
    <div class="try-fields">
      <label for="try-sdkappid">SDKAppID</label>
      <input id="try-sdkappid" list="try-apps" inputmode="numeric" autocomplete="off">
      <datalist id="try-apps"></datalist>
      <label for="try-identifier">Identifier (an admin account of the app)</label>
      <input id="try-identifier" autocomplete="off">
      <label for="try-usersig">UserSig</label>
      <input id="try-usersig" autocomplete="off">
      <button type="button" id="try-make" hidden>Make a UserSig</button>
    </div>
    <p id="try-status" role="status"></p>
  </section>
  <div id="operations"></div>
  <noscript><p>The interactive reference needs JavaScript; <a href="/openapi.json">/openapi.json</a> is the same
    document.</p></noscript>
</main>
</body>
</html>
"""
