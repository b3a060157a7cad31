"""What /api/openapi.json says beyond what FastAPI reads off the routes: every refusal is a
Problem (application/problem+json), request bodies are described by their models (the routes
read them themselves, see web/forms.py), and how callers prove who they are.

The document must be the truth: tests/security fuzzes the API from it and fails on any answer
it does not describe."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from tribune.web.cookies import CSRF_COOKIE, STAFF_COOKIE
from tribune.web.errors import PROBLEM_JSON, Problem, title

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

# Pieces of the request schemas' patterns, meaning the same in ECMA-262 (JSON Schema's
# dialect) and in Python's re. END is the end of the text: "$" would also match before a
# final newline in Python. SPACE is what str.strip() removes (str.isspace()), CONTROL what
# fields.is_control refuses (Unicode Cc, Zl and Zp), PLAIN_SPACE the first less the second.
END = r"(?![\s\S])"
SPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
NOTE_CONTROL = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"  # CONTROL but tab and newline
PLAIN_SPACE = r" \xa0\u1680\u2000-\u200a\u202f\u205f\u3000"


def escaped(chars: Iterable[str]) -> str:
    """Characters as the contents of a pattern's character class, each escaped."""
    return "".join(f"\\u{ord(char):04x}" for char in sorted(chars))


SECURITY_SCHEMES = {
    "editToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The `edit_token` the comment's creation answered with; good for the "
        "edit window (`TRIBUNE_EDIT_MINUTES`).",
    },
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff API token (made at /admin/tokens or with `tribune token "
        "create`), of the scope the operation names.",
    },
    "staffSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": STAFF_COOKIE,
        "description": "The session cookie that signing in at /admin/login sets.",
    },
    "csrfCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": CSRF_COOKIE,
        "description": "The CSRF cookie every page sets; sent with csrfHeader.",
    },
    "csrfHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": f"The value of the `{CSRF_COOKIE}` cookie (double submit). A request "
        "with an `Origin` header must name this site.",
    },
}
EDIT_TOKEN: list[dict[str, list[str]]] = [{"editToken": []}]
STAFF: list[dict[str, list[str]]] = [{"staffSession": [], "csrfCookie": [], "csrfHeader": []}]
# A staff API token, or the signed-in session of someone allowed (the editor's own script).
TOKEN_OR_STAFF: list[dict[str, list[str]]] = [{"bearerToken": []}, *STAFF]

# Every operation that reads the database answers 503 while the database is unreachable.
UNAVAILABLE = 503


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for the refusals an operation can answer with (429 and 503 say when to
    try again)."""
    return {
        status: {
            "description": title(status),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
            **({"headers": RETRY_AFTER} if status in (429, UNAVAILABLE) else {}),
        }
        for status in statuses
    }


# Who a reader is without cookies (the embed on another site's page): the signed voter id a
# first vote or report gave, sent back as this header (web/cookies.py).
VOTER = {
    "name": "X-Tribune-Voter",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "The voter token a first vote or report answered with (its "
    "`X-Tribune-Voter` header), for a reader without Tribune's cookie: the embed on another "
    "site's page. The `tribune_voter` cookie does the same on Tribune's own pages.",
}
VOTER_GIVEN = {
    "X-Tribune-Voter": {
        "description": "On a reader's first vote or report: their new voter token",
        "schema": {"type": "string"},
    }
}


def json_body(model: type[BaseModel], **extra: Any) -> dict[str, Any]:
    """`openapi_extra=` for an operation that reads its JSON body itself (415 for another
    content type, 400 for one that is not a JSON object, 413 over 256 KiB)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        },
        **extra,
    }


def _edge(path: str, operation: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """What web/edge.py answers before any route: 400 for a Host the site does not serve
    (probes excepted), 408 for a request body that does not arrive in time."""
    statuses = [] if path in ("/healthz", "/readyz") else [400]
    return problems(*statuses, *([408] if "requestBody" in operation else []))


def install(app: FastAPI) -> None:
    """Adds the Problem schema, the security schemes and the edge's answers to the app's
    document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()  # FastAPI keeps it as app.openapi_schema
            components = document.setdefault("components", {})
            components.setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
            components["securitySchemes"] = SECURITY_SCHEMES
            for path, operations in document["paths"].items():
                for operation in operations.values():
                    for status, answer in _edge(path, operation).items():
                        operation["responses"].setdefault(str(status), answer)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
