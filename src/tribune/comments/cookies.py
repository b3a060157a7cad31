"""The cookies that stand for an anonymous reader in a browser: the edit tokens of the
comments they posted, and their voter id. Both are HttpOnly and signed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tribune.keys import Keys
from tribune.web.deps import VOTER_COOKIE

OWN_COOKIE = "tribune_own"
OWN_MAX = 10


def _set(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def own_tokens(request: Request, keys: Keys) -> dict[int, str]:
    """Comment id → edit token, for the comments this browser posted most recently."""
    found: dict[int, str] = {}
    for token in request.cookies.get(OWN_COOKIE, "").split("~")[-OWN_MAX:]:
        data = keys.unsign("edit", token)
        if isinstance(data, dict) and isinstance(data.get("c"), int):
            found[data["c"]] = token
    return found


def remember_own(request: Request, response: Response, keys: Keys, token: str) -> None:
    tokens = [*own_tokens(request, keys).values(), token][-OWN_MAX:]
    _set(request, response, OWN_COOKIE, "~".join(tokens), 24 * 3600)


def remember_voter(request: Request, response: Response, keys: Keys, voter_id: str) -> None:
    """Remember a browser's first vote: later votes find it by this cookie."""
    _set(request, response, VOTER_COOKIE, keys.sign("voter", voter_id), 5 * 365 * 24 * 3600)
