"""Every cookie Tribune sets, with the same attributes: HttpOnly, SameSite=Lax, Secure under
https. An anonymous reader is known by two of them: the signed voter id, and the edit tokens
of the comments they posted in this browser. A third, only when the reader ticks "Remember me
on this site" without JavaScript, keeps their name, e-mail and website for their next
comment."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping

from starlette.requests import Request
from starlette.responses import Response

from tribune.keys import Keys
from tribune.readers import Reader

VOTER_COOKIE = "tribune_voter"
OWN_COOKIE = "tribune_own"
CSRF_COOKIE = "tribune_csrf"
STAFF_COOKIE = "tribune_staff"
OWN_MAX = 10  # edit tokens kept: the comments this browser posted most recently
VOTER_YEARS = 5


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


VOTER_HEADER = "x-tribune-voter"


def voter_of(request: Request, keys: Keys) -> str | None:
    """The reader's voter id, from its signed cookie, or from the X-Tribune-Voter header
    that the embed sends instead (a page of another site has no cookie of ours): None when
    neither holds one, or it is forged."""
    return voter_from(request.cookies, request.headers.get(VOTER_HEADER), keys)


def voter_from(cookies: Mapping[str, str], header: str | None, keys: Keys) -> str | None:
    """voter_of from the parsed cookies and the X-Tribune-Voter header (the fast lane has
    no Request)."""
    voter_id = keys.unsign("voter", cookies.get(VOTER_COOKIE) or header)
    return voter_id if isinstance(voter_id, str) else None


def remember_voter(request: Request, response: Response, keys: Keys, voter: Reader) -> None:
    """Remember a browser's first vote or report: when ``voter`` was given a new
    voter id (web.deps.with_voter), later ones find it by this cookie."""
    if not voter.fresh or voter.voter_id is None:
        return
    max_age = VOTER_YEARS * 365 * 24 * 3600
    signed = keys.sign("voter", voter.voter_id)
    set_cookie(request, response, VOTER_COOKIE, signed, max_age)
    # The embed keeps it in its page's storage and sends it back as X-Tribune-Voter.
    response.headers[VOTER_HEADER] = signed


def own_tokens(request: Request, keys: Keys) -> dict[int, str]:
    """Comment id → edit token, for the comments this browser posted most recently."""
    return own_from(request.cookies, keys)


def own_from(cookies: Mapping[str, str], keys: Keys) -> dict[int, str]:
    found: dict[int, str] = {}
    for token in cookies.get(OWN_COOKIE, "").split("~")[-OWN_MAX:]:
        data = keys.unsign("edit", token)
        if isinstance(data, dict) and isinstance(data.get("c"), int):
            found[data["c"]] = token
    return found


def remember_own(request: Request, response: Response, keys: Keys, token: str) -> None:
    tokens = [*own_tokens(request, keys).values(), token][-OWN_MAX:]
    set_cookie(request, response, OWN_COOKIE, "~".join(tokens), 24 * 3600)


def forget_own(
    request: Request, response: Response, keys: Keys, comment_ids: Iterable[int]
) -> None:
    """Forget the edit tokens of these comments (erased: nothing is left for them to open)."""
    gone = set(comment_ids)
    tokens = [token for c, token in own_tokens(request, keys).items() if c not in gone]
    set_cookie(request, response, OWN_COOKIE, "~".join(tokens), 24 * 3600 if tokens else 0)


# Remember me ---------------------------------------------------------------------------------

COMMENTER_COOKIE = "tribune_commenter"
# What makes a page a reader's own (their votes, their comments, their remembered name): a
# request without any of them may get the page every such reader gets.
PERSONAL = tuple(f"{name}=" for name in (VOTER_COOKIE, OWN_COOKIE, COMMENTER_COOKIE))


def has_personal(cookie_header: str) -> bool:
    """Whether a Cookie header may hold one of the reader's own cookies (a quick look: a
    false alarm only sends the request the long way, where the cookies are read)."""
    return any(name in cookie_header for name in PERSONAL)


COMMENTER_FIELDS = ("name", "email", "website")
COMMENTER_DAYS = 365
COMMENTER_MAX = 3800  # bytes of the cookie's value: browsers keep about 4 KiB a cookie


def commenter_of(request: Request) -> dict[str, str] | None:
    """The name, e-mail and website this browser asked the comment form to remember (no
    JavaScript; with it, the page keeps them in localStorage), or None."""
    return commenter_from(request.cookies)


def commenter_from(cookies: Mapping[str, str]) -> dict[str, str] | None:
    raw = cookies.get(COMMENTER_COOKIE)
    if not raw or len(raw) > COMMENTER_MAX:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=="))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(data, dict):
        return None
    found = {key: data[key] for key in COMMENTER_FIELDS if isinstance(data.get(key), str)}
    return found or None


def remember_commenter(request: Request, response: Response, form: dict[str, str]) -> None:
    fields = {key: form[key].strip() for key in COMMENTER_FIELDS if form.get(key, "").strip()}
    value = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode("ascii").rstrip("=")
    if len(value) <= COMMENTER_MAX:
        set_cookie(request, response, COMMENTER_COOKIE, value, COMMENTER_DAYS * 24 * 3600)


def forget_commenter(request: Request, response: Response) -> None:
    if COMMENTER_COOKIE in request.cookies:
        set_cookie(request, response, COMMENTER_COOKIE, "", 0)
