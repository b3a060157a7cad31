"""How an action on the product can fail, named for what went wrong rather than for HTTP.

Services raise these with a message in people's words; the web layer turns each kind into
its answer in one place (``web/errors.py``): Invalid 422, NotFound 404, NotAllowed 403,
Conflict 409, Unavailable 503, Moved 301 (a NotFound with a new address), and
``ratelimit.RateLimited`` 429.
"""

from __future__ import annotations

from typing import Any

FieldErrors = dict[str, str]


class Failure(Exception):
    """``detail`` says what went wrong; ``errors`` maps each bad field to why; ``extra`` is
    sent back with the answer (the fields a reader submitted, so nothing typed is lost)."""

    def __init__(self, detail: str, errors: FieldErrors | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}
        self.extra: dict[str, Any] = {}


class Invalid(Failure):
    """What was sent is not acceptable; ``errors`` names each field."""

    def __init__(self, detail: str, errors: FieldErrors) -> None:
        super().__init__(detail, errors)


class NotFound(Failure):
    """There is no such thing, or not one this person may see."""

    def __init__(self, detail: str = "There is nothing at this address") -> None:
        super().__init__(detail)


class Moved(NotFound):
    """What was asked for lives at another address now (a story whose slug changed): pages
    answer 301 to it, everyone else sees the NotFound it also is."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__("This story has moved")
        self.old = old
        self.new = new


class NotAllowed(Failure):
    """The action is understood but refused: the message says why."""


class Conflict(Failure):
    """The action was already done (a second report of one comment)."""


class Unavailable(Failure):
    """The database cannot take this now (restarting, refusing connections, locked by
    another process): the same action may succeed in ``retry_after`` seconds."""

    retry_after = 5

    def __init__(self) -> None:
        super().__init__("The database is not reachable right now; please try again shortly")
