"""Everything derived from the secret key: keyed hashes and signed tokens, in one place.

Each use gets its own derived key or salt, so a value made for one purpose (a voter cookie,
say) is never accepted for another (an edit token).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def client_network(address: str) -> str:
    """What one client's address is: an IPv4 address, or the /64 of an IPv6 one. A home or a
    phone is given a whole /64 and picks any address in it, so counting IPv6 addresses one by
    one would let one reader vote, report and post as thousands."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an address (a test client's name, a Unix socket)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True, slots=True)
class Keys:
    secret: str

    def _derive(self, purpose: str) -> bytes:
        return _derived(self.secret, purpose)

    def _hash(self, purpose: str, value: str, length: int = 32) -> str:
        return hmac.new(self._derive(purpose), value.encode(), hashlib.sha256).hexdigest()[:length]

    def client_hash(self, address: str) -> str:
        """Stands for a client address: one reader counted, the address never stored."""
        return _client_hash(self, address)

    def idempotency_key(self, reader: str, key: str) -> str:
        """A post's Idempotency-Key as stored: bound to the reader who sent it, so no one
        else's retry can be answered with their comment and its edit token."""
        return self._hash("idempotency", f"{reader}\x00{key}", 64)

    def email_hash(self, email: str) -> str:
        """Stands for an e-mail address to staff and to bans; the address is never shown."""
        return self._hash("email hash", email.strip().casefold())

    def login_key(self, email: str) -> str:
        """Counts failed logins per account, whether or not the account exists."""
        return self._hash("login", email.strip().casefold())

    def avatar(self, name: str, email: str | None) -> str:
        """The identicon key of a commenter: no one can turn it back into the e-mail."""
        return self._hash("avatar", f"{name.casefold()}\x00{(email or '').casefold()}", 20)

    def _serializer(self, salt: str) -> URLSafeTimedSerializer:
        return _serializer(self.secret, salt)

    def edit_token(self, comment_id: int, made_at: datetime) -> str:
        """Signed with the comment's own time, not the moment of asking: the answer to a
        post sent again (a retry) carries the very token the first answer did."""
        serializer = URLSafeTimedSerializer(
            self.secret,
            salt="tribune.edit",  # as _serializer(secret, "edit") checks it
            signer=_SignedAt,
            signer_kwargs={"at": int(made_at.timestamp())},
        )
        return str(serializer.dumps({"c": comment_id}))

    def check_edit_token(self, token: str, comment_id: int, max_age: int) -> None:
        """Raise TokenInvalid unless the token was made for this comment, TokenExpired if it
        was but its window has passed."""
        try:
            data: Any = self._serializer("edit").loads(token, max_age=max_age)
        except SignatureExpired:
            data = self._serializer("edit").loads(token)  # signature good, only too old
            if isinstance(data, dict) and data.get("c") == comment_id:
                raise TokenExpired from None
            raise TokenInvalid from None
        except BadSignature:
            raise TokenInvalid from None
        if not isinstance(data, dict) or data.get("c") != comment_id:
            raise TokenInvalid

    def sign(self, purpose: str, value: Any) -> str:
        return str(self._serializer(purpose).dumps(value))

    def unsign(self, purpose: str, token: str | None) -> Any:
        """The value signed for this purpose, or None for a missing or forged token."""
        if not token:
            return None
        try:
            return self._serializer(purpose).loads(token)
        except BadSignature:
            return None

    @staticmethod
    def new_voter_id() -> str:
        return secrets.token_urlsafe(18)


# Every request hashes its client's address and every post signs an edit token: the keys
# derived from the secret, the serializers and the hashes of the addresses seen lately are
# kept (each is a pure function of its arguments).


@functools.lru_cache(maxsize=64)
def _derived(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"tribune {purpose}\x00{secret}".encode()).digest()


class _SignedAt(TimestampSigner):
    """A signer whose timestamp is given (the moment a token stands for), not the clock's."""

    def __init__(self, *args: Any, at: int, **options: Any) -> None:
        super().__init__(*args, **options)
        self.at = at

    def get_timestamp(self) -> int:
        return self.at


@functools.lru_cache(maxsize=64)
def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"tribune.{salt}")


@functools.lru_cache(maxsize=4096)
def _client_hash(keys: Keys, address: str) -> str:
    return keys._hash("client hash", client_network(address))
