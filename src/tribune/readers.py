"""Who is acting, as far as an anonymous reader can be known."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reader:
    """A reader without an account: their signed voter cookie (or token) when they have
    one, and a keyed hash of their client address. The cookie is the reader; the address
    hash is only a bounded signal, never an identity."""

    client_hash: str | None = None
    voter_id: str | None = None
