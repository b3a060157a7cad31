"""Links and domains for the moderation rules: the links in a comment's HTML, the host each one
points at, and whether that host is a blocked domain or one of its subdomains.

Hosts are compared lower-cased, without port, trailing dot or leading "www.", and an
internationalized domain matches whether it is written in Unicode or in punycode. Each domain list
is prepared once and cached, since the rules run on every new or edited comment.
"""

from __future__ import annotations

import functools
import html
import re

# The sanitizer writes lower-case tags and quoted attributes; "data-href" is not a link.
_HREF = re.compile(r"""<a\s[^>]*?(?<![\w-])href\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Browsers read a backslash as a slash, so it ends the host as well: "//evil.test\\@good.test".
_AUTHORITY = re.compile(r"\s*(?:[a-z][a-z0-9+.\-]*:)?//([^/?#\\\s]*)", re.IGNORECASE)
_DOMAIN = re.compile(r"[^\s./:@?#\[\]]+(?:\.[^\s./:@?#\[\]]+)*")


def hrefs(body_html: str) -> list[str]:
    """The targets of the links (``<a href>``) in sanitized HTML, in order, entities decoded."""
    return [
        html.unescape(href) if "&" in href else href
        for double, single in _HREF.findall(body_html)
        for href in (double or single,)
    ]


def host(url: str) -> str | None:
    """The host a link points at: lower-cased, without port, trailing dot or leading "www."."""
    match = _AUTHORITY.match(url)
    if match is None:  # a relative link ("/about", "#top"), or one without a host ("mailto:")
        return None
    host = match.group(1).rpartition("@")[2]  # drop "user:password@"
    # Drop the port; an IPv6 address keeps its colons.
    host = host[: host.find("]") + 1] if host.startswith("[") else host.partition(":")[0]
    host = host.lower().rstrip(".")
    if host.startswith("www.") and "." in host[4:]:  # but "www.com" stays itself
        host = host[4:]
    return host or None


def as_url(address: str) -> str:
    """A website address as a link ``host`` can read."""
    # The website field may be a bare "example.com/page"; without "//" it would parse as a path.
    address = address.strip()
    return address if "//" in address else "//" + address


def clean_domain(raw: str) -> str:
    """A domain as staff typed it, as a bare host: "https://WWW.Example.com/" -> "example.com".

    Raises ValueError for text that is not a domain name.
    """
    text = raw.strip().lower()
    if not text:
        raise ValueError("domains must not be blank")
    if text.startswith("*."):  # subdomains are blocked anyway
        text = text[2:]
    domain = None if any(char.isspace() for char in text) else host(as_url(text))
    if domain is None or not _DOMAIN.fullmatch(domain):
        raise ValueError(f"{raw.strip()!r} is not a domain name such as example.com")
    return domain


def _spellings(host: str) -> tuple[str, ...]:
    # An internationalized host may come as Unicode or as punycode; compare both ways.
    if host.isascii():
        return (host,)
    try:
        return (host, host.encode("idna").decode("ascii"))
    except UnicodeError:
        return (host,)


@functools.lru_cache(maxsize=64)
def domain_index(domains: tuple[str, ...]) -> dict[str, str]:
    """Each spelling of each blocked domain -> the domain as listed."""
    index: dict[str, str] = {}
    for raw in domains:
        try:
            domain = clean_domain(raw)
        except ValueError:  # validation refuses these; a list changed in place may still hold one
            continue
        for spelling in _spellings(domain):
            index.setdefault(spelling, domain)
    return index


def blocked(host: str, index: dict[str, str]) -> str | None:
    """The blocked domain the host is, or is a subdomain of (``index`` from ``domain_index``)."""
    for spelling in _spellings(host):
        labels = spelling.split(".")
        for start in range(len(labels)):
            domain = index.get(".".join(labels[start:]))
            if domain is not None:
                return domain
    return None
