"""Who is acting, as far as an anonymous reader can be known."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reader:
    """A reader without an account: their signed voter cookie when they have one (the API
    uses the same cookie), and a keyed hash of their client address. The cookie is the
    reader: their vote, their report, their rate limit. The address hash is shared by
    everyone behind one office NAT, carrier or proxy, so it is only a bounded signal (how
    many new voters and reporters one address adds to a comment in an hour, a looser rate
    limit) and what bans, the first-comment hold and staff's history go by.

    ``fresh``: the voter id was just given (web.deps.with_voter), not presented; the
    response remembers it (web.cookies.remember_voter)."""

    client_hash: str | None = None
    voter_id: str | None = None
    fresh: bool = False
