"""Links and domains: which anchors count as links and which hosts a blocked domain catches, as
the links and blocked_domains rules report them; the helpers of links.py directly."""

from __future__ import annotations

import pytest

from tests.unit.test_moderation_rules import CONFIG, link, reasons, verdicts
from tribune.moderation.links import as_url, blocked, clean_domain, domain_index, host, hrefs
from tribune.moderation.rules import Decision, RuleConfig, Verdict

# --- Links and blocked domains ----------------------------------------------------------------


@pytest.mark.parametrize(
    "href",
    [
        "https://example.com",
        "http://EXAMPLE.com/x",
        "https://www.example.com/",
        "https://news.example.com/a?b",
        "https://a.b.example.com",
        "//example.com/page",
        "https://user:secret@example.com:8080/",
        "https://example.com./",
        "https://evil.example.com\\@good.org/",
    ],
)
def test_links_to_a_blocked_domain_or_its_subdomains_are_rejected(href: str) -> None:
    assert reasons(body_html=link(href)) == ['rejected: link to blocked domain "example.com"']


@pytest.mark.parametrize(
    "href",
    [
        "https://notexample.com",
        "https://example.com.evil.org/",
        "https://example.org",
        "https://good.org/?next=https://example.com",
        "/about",
        "#top",
        "mailto:editor@example.com",
    ],
)
def test_links_elsewhere_are_not_blocked(href: str) -> None:
    assert verdicts(body_html=link(href)) == []


@pytest.mark.parametrize(
    "website", ["www.example.com", "https://shop.example.com/x", "EXAMPLE.COM", "example.com/me"]
)
def test_a_website_on_a_blocked_domain_is_rejected(website: str) -> None:
    assert reasons(website=website) == ['rejected: website on blocked domain "example.com"']


def test_blocked_domain_reasons_name_every_domain() -> None:
    config = CONFIG.model_copy(
        update={"blocked_domains": ["example.com", "spam.test"], "links_max": 5}
    )
    html = link("https://example.com") + link("https://x.spam.test") + link("https://example.com")
    assert reasons(config=config, body_html=html, website="spam.test") == [
        'rejected: links to blocked domains "example.com", "spam.test"; '
        'website on blocked domain "spam.test"'
    ]


def test_internationalized_domains_match_as_unicode_or_punycode() -> None:
    unicode = CONFIG.model_copy(update={"blocked_domains": ["bücher.de"]})
    assert reasons(config=unicode, body_html=link("https://xn--bcher-kva.de/")) == [
        'rejected: link to blocked domain "bücher.de"'
    ]
    punycode = RuleConfig(blocked_domains=["xn--bcher-kva.de"])
    assert reasons(config=punycode, body_html=link("https://shop.Bücher.de/")) == [
        'rejected: link to blocked domain "xn--bcher-kva.de"'
    ]


def test_no_blocked_domains_blocks_nothing() -> None:
    assert verdicts(body_html=link("https://example.com"), config=RuleConfig()) == []


def test_links_up_to_the_limit_pass() -> None:
    two = link("https://a.test") + link("https://b.test")
    assert verdicts(body_html=two) == []
    no_links = CONFIG.model_copy(update={"links_max": 0})
    assert reasons(config=no_links, body_html=link("https://a.test")) == ["held: 1 link, limit 0"]


def test_only_anchors_with_an_href_count_as_links() -> None:
    html = (
        '<a name="top">x</a><a data-href="https://a.test">y</a>'
        "<a href='https://b.test'>z</a><abbr href=\"q\">w</abbr>"
    )
    assert verdicts(body_html=html, config=CONFIG.model_copy(update={"links_max": 0})) == [
        Verdict("links", Decision.hold, "held: 1 link, limit 0")
    ]


# --- The helpers ------------------------------------------------------------------------------


def test_hrefs_are_the_anchor_targets_in_order_with_entities_decoded() -> None:
    html = (
        '<a name="top">x</a><a data-href="https://a.test">y</a>'
        '<a href="https://b.test/?x=1&amp;y=2" rel="nofollow">z</a>'
        '<a class="c" href=\'/about\'>w</a><abbr href="q">v</abbr>'
    )
    assert hrefs(html) == ["https://b.test/?x=1&y=2", "/about"]
    assert hrefs("<p>no links</p>") == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:secret@WWW.Example.com:8080/", "example.com"),
        ("https://example.com./", "example.com"),
        (" //Example.com/x", "example.com"),
        ("ftp://files.test", "files.test"),
        ("https://[::1]:8080/", "[::1]"),
        ("https://www.com", "www.com"),
        ("https://evil.test\\@good.org/", "evil.test"),
        ("https://", None),
        ("/about", None),
        ("#top", None),
        ("mailto:editor@example.com", None),
    ],
)
def test_host(url: str, expected: str | None) -> None:
    assert host(url) == expected


def test_a_bare_website_address_reads_as_a_link() -> None:
    assert as_url(" example.com/me ") == "//example.com/me"
    assert host(as_url("example.com/me")) == "example.com"
    assert as_url("https://x.test") == "https://x.test"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("  ", "domains must not be blank"),
        ("exa mple.com", "'exa mple.com' is not a domain name such as example.com"),
        (" https:// ", "'https://' is not a domain name such as example.com"),
        ("a..b", "'a..b' is not a domain name such as example.com"),
    ],
)
def test_clean_domain_refuses_what_is_not_a_domain(raw: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        clean_domain(raw)
    assert str(refused.value) == message


def test_domain_index_holds_both_spellings_and_skips_invalid_entries() -> None:
    index = domain_index(("bücher.de", "  ", "https://www.Example.com/"))
    assert index == {
        "bücher.de": "bücher.de",
        "xn--bcher-kva.de": "bücher.de",
        "example.com": "example.com",
    }
    assert domain_index(("bücher.de", "  ", "https://www.Example.com/")) is index


@pytest.mark.parametrize(
    ("name", "domain"),
    [
        ("example.com", "example.com"),
        ("a.b.example.com", "example.com"),
        ("shop.xn--bcher-kva.de", "bücher.de"),
        ("shop.bücher.de", "bücher.de"),
        ("notexample.com", None),
        ("example.com.evil.org", None),
        ("com", None),
    ],
)
def test_blocked_is_the_domain_or_a_subdomain(name: str, domain: str | None) -> None:
    assert blocked(name, domain_index(("example.com", "bücher.de"))) == domain
