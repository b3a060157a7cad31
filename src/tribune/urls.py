"""Which page an embedded thread belongs to: page addresses and site origins, normalised.

A host page sends the address it is at, which arrives in many spellings of one page: a
scheme or host in capitals, the default port written out, a trailing slash, a #fragment,
and tracking parameters (utm_*, fbclid, gclid...) that every share adds. ``page_url`` gives
them one spelling, the key a thread is found by; ``origin`` gives a page's site, which
TRIBUNE_ALLOWED_ORIGINS must list before a thread is made for it.

What arrives is untrusted: anything that is not an http(s) address with a host (a
``javascript:`` URL, credentials in it, control characters, over URL_MAX characters once
spelled out) is None, never an error of our own.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

URL_MAX = 2000  # characters of a normalised address (stories.page_url)
DEFAULT_PORTS = {"http": 80, "https": 443}
# Parameters that name where a visitor came from, not which page they are on.
TRACKING = frozenset(
    [
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "spm",
    ]
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
# Characters an address keeps as they are; everything else is percent-encoded (so the key is
# ASCII and fits the index, whatever the page's language).
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")
_HOST = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)


def _host(name: str) -> str | None:
    """The host, lower case and in its ASCII (IDNA) form, or None if it is not a name or an
    address a browser would show a page from."""
    name = name.rstrip(".").lower()
    if name.startswith("[") and name.endswith("]") and re.fullmatch(r"\[[0-9a-f:.]+\]", name):
        return name
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return name if len(name) <= 253 and _HOST.fullmatch(name) else None


def _origin_parts(url: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) of an http(s) address without credentials, normalised."""
    if len(url) > URL_MAX * 3 or _CONTROL.search(url.strip()):
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    host = _host(parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]")
    if host is None:
        return None
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return scheme, netloc


def origin(url: str) -> str | None:
    """The site of an address, as browsers name it in Origin: ``https://news.example`` (a
    port only when it is not the scheme's own), or None."""
    found = _origin_parts(url)
    return None if found is None else f"{found[0]}://{found[1]}"


def _tracking(name: str) -> bool:
    key = name.lower()
    return key in TRACKING or key.startswith(TRACKING_PREFIXES)


def _escaped(text: str, safe: str) -> str:
    """Percent-encoded where needed, with every escape in upper case (%c3 and %C3 alike)."""
    return _ESCAPE.sub(lambda m: m.group(0).upper(), quote(text, safe=safe))


def page_url(url: str) -> str | None:
    """The one spelling of a page's address: scheme and host in lower case, no default
    port, no fragment, no trailing slash (but the root's), no tracking parameters, the
    rest percent-encoded; None for anything that is not an http(s) page address."""
    found = _origin_parts(url)
    if found is None:
        return None
    scheme, netloc = found
    parts = urlsplit(url.strip())
    path = _escaped(parts.path, _SAFE_PATH).rstrip("/") or "/"
    kept = [
        pair for pair in parts.query.split("&") if pair and not _tracking(pair.partition("=")[0])
    ]
    query = _escaped("&".join(kept), _SAFE_QUERY)
    normalised = urlunsplit((scheme, netloc, path, query, ""))
    return normalised if len(normalised) <= URL_MAX else None


def allowed_origins(value: str) -> frozenset[str]:
    """TRIBUNE_ALLOWED_ORIGINS as origins: ``https://news.example, blog.example:8080``
    (no scheme: https). ValueError naming the first entry that is not a site."""
    found = set()
    for entry in re.split(r"[\s,]+", value.strip()):
        if not entry:
            continue
        spelled = entry if "://" in entry else f"https://{entry}"
        site = origin(spelled)
        if site is None or urlsplit(spelled).path not in ("", "/"):
            raise ValueError(f"{entry!r} is not a site's origin (scheme://host[:port])")
        found.add(site)
    return frozenset(found)
