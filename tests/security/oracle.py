"""The XSS oracle: the one place that decides whether HTML, a feed, a live event or an
identicon carries anything a hostile reader put there as live markup.

Every render check in tests/security goes through these functions. HTML is parsed with
html5lib (a browser's parsing algorithm), so what is checked is the DOM a browser would
build, not the bytes: entities decoded, mis-nested markup repaired, SVG and MathML in their
namespaces. Findings are collected, never stopped at, so one run reports everything.

What the page's own templates put there is told apart by an allowlist of their elements
(the app's ``<script src="/static/HASH/NAME.js">``, its stylesheets, its forms posting to its
own routes, its ``<meta>`` tags), and user content by its containers (``.comment-body``,
``.story-body``), inside which only the sanitizer's allowlist may appear. Rules:

- no element that runs or loads something, or changes how the page is read: ``script``,
  ``iframe``, ``object``, ``embed``, ``base``, ``style``, ``template``, ``noscript``, SVG or
  MathML (anything outside the HTML namespace), ``meta`` with ``http-equiv``, and no
  ``script``/``link``/``meta``/``form`` but the template's own (a JSON-LD data block is the
  template's when it holds one JSON document and no markup; link previews' ``meta`` tags
  carry user text in ``content`` only);
- no ``on*`` attribute, no ``srcdoc``, no ``style`` attribute (the CSP forbids inline style:
  the templates have none);
- every URL attribute (href, src, action, formaction, xlink:href, poster, ...) has no scheme
  or one of http, https, mailto, after the browser's own clean-up of the value (leading and
  trailing C0 controls and spaces stripped, tabs and newlines removed anywhere);
- the payload MARKER never appears in a tag name, an attribute name, or an attribute that
  the templates never fill with user text; no HTML comment (the templates have none: one
  means something opened ``<!--``); no raw backtick inside a tag;
- inside user containers, only the sanitizer's tags and attributes, and every link carries
  ``rel="nofollow ugc noopener noreferrer"`` (also on the comment author's ``a.author``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]
import html5lib  # type: ignore[import-untyped]
import orjson

MARKER = "xsstrb"  # every corpus payload that carries markup names it somewhere

HTML_NS = "http://www.w3.org/1999/xhtml"
ATOM_NS = "http://www.w3.org/2005/Atom"
SVG_NS = "http://www.w3.org/2000/svg"
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
USER_REL = frozenset({"nofollow", "ugc", "noopener", "noreferrer"})

URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "poster",
        "background",
        "cite",
        "data",
        "codebase",
        "ping",
        "lowsrc",
        "dynsrc",
        "manifest",
        "longdesc",
        "icon",
        "srcset",
        "imagesrcset",
    }
)
# Elements that are a finding wherever they are, template or not (the templates have none).
FORBIDDEN = frozenset(
    {
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "style",
        "template",
        "noscript",
        "noembed",
        "noframes",
        "xmp",
        "plaintext",
        "listing",
        "portal",
        "svg",
        "math",
        "image",
        "isindex",
    }
)
# Attributes the templates fill with user text (or URLs, checked on their own): the marker
# may appear in their values as inert text, never anywhere else.
TEXT_VALUED = (
    frozenset({"value", "content", "title", "aria-label", "alt", "placeholder", "datetime"})
    | URL_ATTRIBUTES
    | frozenset({"data-fragment", "data-first-page"})
)

# What the sanitizer lets through (tribune/markdown.py); anything else inside a container
# is a finding even when it is harmless, since it means the sanitizer was bypassed.
COMMENT_TAGS = frozenset(
    {"p", "br", "em", "strong", "a", "blockquote", "code", "pre", "ul", "ol", "li"}
)
STORY_TAGS = COMMENT_TAGS | {"h2", "h3", "h4", "hr", "img"}
CONTAINER_ATTRIBUTES = {"a": {"href", "rel"}, "ol": {"start"}}
STORY_ATTRIBUTES = {
    "a": {"href", "rel", "class"},
    "ol": {"start"},
    "img": {"src", "alt", "loading"},
}
# The only image a story's body may show: one of our own uploads, never a third party's.
OWN_IMAGE = re.compile(r"/media/[0-9a-f]{64}\.webp")

# The template's own resources and forms.
OWN_SCRIPT = re.compile(r"/static/[0-9a-f]{12}/[a-z]+\.js")
OWN_LINK_RELS = frozenset({"stylesheet", "icon", "alternate", "canonical", "prev", "next"})
OWN_META_NAMES = frozenset({"viewport", "description", "color-scheme", "robots"})
# Link previews: OpenGraph properties and Twitter card names (their content is user text).
OWN_META_PREVIEWS = re.compile(r"(?:og|article):[a-z_:]+|twitter:[a-z_:]+")
JSON_LD = "application/ld+json"  # a data block (a story's NewsArticle): never run
OWN_FORM_ACTIONS = re.compile(
    r"/(?:stories/[^/?#]+/comments(?:#comment-form)?|search"
    r"|comments/[0-9]+/(?:vote|edit|delete|report)"
    r"|admin/(?:login|logout|moderation|bans|bans/[0-9]+/lift|rules|staff"
    r"|commenters|commenters/(?:export|erase)"
    r"|staff/[0-9]+/(?:remove|role|password)|tokens|tokens/[0-9]+/revoke"
    r"|stories|stories/new|stories/preview|stories/[0-9]+"
    r"|stories/[0-9]+/(?:mode|compare|delete|revisions/[0-9]+/restore)))"
)
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_C0_AND_SPACE = "".join(chr(i) for i in range(0x21))


@dataclass(frozen=True, slots=True)
class Finding:
    where: str  # the element's path: "li#c12 > div.comment-body > a"
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def url_scheme(value: str) -> str | None:
    """The scheme a browser reads in a URL attribute's (already entity-decoded) value, lower
    case, or None for a relative URL. As the URL standard does: strip leading and trailing C0
    controls and spaces, remove every tab, CR and LF, then read the scheme."""
    cleaned = re.sub(r"[\t\n\r]", "", value.strip(_C0_AND_SPACE))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def _local(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return None, tag


def _attribute_name(name: str) -> str:
    namespace, local = _local(name)
    if namespace == "http://www.w3.org/1999/xlink":
        return "xlink:" + local
    return local.lower()


def _label(element: Element) -> str:
    _, name = _local(str(element.tag))
    if element.get("id"):
        return f"{name}#{element.get('id')}"
    if element.get("class"):
        return f"{name}.{'.'.join((element.get('class') or '').split())}"
    return name


def _classes(element: Element) -> set[str]:
    return set((element.get("class") or "").split())


class _Checker:
    def __init__(self, base_url: str | None) -> None:
        self.base_url = base_url
        self.findings: list[Finding] = []

    def add(self, where: str, what: str) -> None:
        self.findings.append(Finding(where or "(top)", what))

    # -- rules for every element -----------------------------------------------------------

    def element(self, element: Element, where: str, container: str | None) -> None:
        if not isinstance(element.tag, str):  # a comment or processing instruction
            self.add(where, f"HTML comment or processing instruction: {element.text!r:.80}")
            return
        namespace, name = _local(element.tag)
        if namespace not in (None, HTML_NS):
            self.add(where, f"element <{name}> in namespace {namespace}")
        if MARKER in name.lower():
            self.add(where, f"payload marker as an element: <{name}>")
        if name in FORBIDDEN:
            self.add(where, f"forbidden element <{name}>")
        for raw_name, value in element.attrib.items():
            self.attribute(where, name, _attribute_name(raw_name), value)
        if container is not None:
            self.inside(element, where, name, container)
        else:
            self.outside(element, where, name)
        user_link = container == "comment" or "author" in _classes(element)
        if user_link and name == "a" and element.get("href") is not None:
            rel = set((element.get("rel") or "").split())
            if not rel >= USER_REL:
                self.add(where, f"user link without rel {sorted(USER_REL - rel)}")

    def attribute(self, where: str, tag: str, name: str, value: str) -> None:
        if name.startswith("on"):
            self.add(where, f"event handler attribute {name}={value!r:.80}")
        if name in ("srcdoc", "style"):
            self.add(where, f"{name} attribute {value!r:.80}")
        if MARKER in name:
            self.add(where, f"payload marker as an attribute name: {name}")
        elif MARKER in value.lower() and name not in TEXT_VALUED:
            self.add(where, f"payload marker in attribute {name}={value!r:.80}")
        if name in URL_ATTRIBUTES:
            urls = [part.split()[0] for part in value.split(",") if part.split()]
            for url in urls if name.endswith("srcset") else [value]:
                scheme = url_scheme(url)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    self.add(where, f"{name} with scheme {scheme}: {value!r:.80}")

    # -- user containers -------------------------------------------------------------------

    def inside(self, element: Element, where: str, name: str, container: str) -> None:
        tags = STORY_TAGS if container == "story" else COMMENT_TAGS
        allowed = STORY_ATTRIBUTES if container == "story" else CONTAINER_ATTRIBUTES
        if name not in tags:
            self.add(where, f"<{name}> inside user content")
        for raw_name, value in element.attrib.items():
            attribute = _attribute_name(raw_name)
            if attribute not in allowed.get(name, set()):
                self.add(where, f"attribute {attribute}={value!r:.60} inside user content")
            elif attribute == "class" and value != "hashtag":
                self.add(where, f"class {value!r:.60} inside user content")
        if name == "img" and not OWN_IMAGE.fullmatch(element.get("src") or ""):
            self.add(where, f"image that is not our upload: {element.get('src')!r:.80}")

    # -- the template's own elements -------------------------------------------------------

    def outside(self, element: Element, where: str, name: str) -> None:
        if name == "script":
            if dict(element.attrib) == {"type": JSON_LD}:
                self.data_block(element, where)
                return
            src = element.get("src") or ""
            extra = set(element.attrib) - {"src", "defer"}
            if not OWN_SCRIPT.fullmatch(src) or extra or (element.text or "").strip():
                self.add(where, f"script that is not the app's own: {dict(element.attrib)!r:.100}")
        elif name == "link":
            rel = element.get("rel") or ""
            if rel not in OWN_LINK_RELS or not self.own_url(element.get("href") or ""):
                self.add(where, f"link that is not the app's own: {dict(element.attrib)!r:.100}")
        elif name == "meta":
            named = element.get("name") or ""
            preview = element.get("property") or named
            own = (
                element.get("charset") is not None
                or (named in OWN_META_NAMES and element.get("property") is None)
                or bool(OWN_META_PREVIEWS.fullmatch(preview))
            )
            if element.get("http-equiv") is not None or not own:
                self.add(where, f"meta that is not the app's own: {dict(element.attrib)!r:.100}")
        elif name == "form":
            action = element.get("action") or ""
            if not OWN_FORM_ACTIONS.fullmatch(action.split("?")[0]):
                self.add(where, f"form posting elsewhere: action={action!r:.100}")

    def data_block(self, element: Element, where: str) -> None:
        """A JSON-LD block holds one JSON document and nothing else: whatever a title closed
        or opened inside it would show as markup after it, or as JSON that does not parse."""
        if len(element):
            self.add(where, "markup inside a JSON-LD block")
        try:
            orjson.loads(element.text or "")
        except orjson.JSONDecodeError:
            self.add(where, f"JSON-LD that is not JSON: {element.text!r:.100}")

    def own_url(self, url: str) -> bool:
        if url.startswith("/") and not url.startswith(("//", "/\\")):
            return True
        return self.base_url is not None and url.startswith(self.base_url + "/")

    # -- a tree ----------------------------------------------------------------------------

    def tree(self, root: Element, container: str | None, path: str = "") -> None:
        """Check every element below root; below a user container, by the container's rules
        (the container element itself is the template's)."""
        for child in root:
            if not isinstance(child.tag, str):
                self.element(child, path, container)
                continue
            here = f"{path} > {_label(child)}" if path else _label(child)
            self.element(child, here, container)
            inner = container
            if inner is None:
                classes = _classes(child)
                if "comment-body" in classes or "t-body" in classes:  # t-body: the embed's
                    inner = "comment"
                elif "story-body" in classes:
                    inner = "story"
            self.tree(child, inner, here)

    def raw(self, html: str) -> None:
        for tag in _TAG.findall(html):
            if "`" in tag:
                self.add("(raw HTML)", f"unescaped backtick inside a tag: {tag:.120}")


# html5lib is pure Python: each page is parsed once however many questions are asked of it,
# and a comment's HTML (the same in every sort, the API, the feeds and the live stream) is
# judged once. Trees are never changed after parsing.
@functools.lru_cache(maxsize=16)
def parse_page(html: str) -> Element:
    tree: Element = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    return tree


@functools.lru_cache(maxsize=16)
def parse_fragment(html: str) -> Element:
    tree: Element = html5lib.parseFragment(
        html, container="div", treebuilder="etree", namespaceHTMLElements=False
    )
    return tree


def page_findings(html: str, *, base_url: str | None = None) -> list[Finding]:
    """Findings in a whole HTML page of the app (its own template elements allowed)."""
    checker = _Checker(base_url)
    checker.tree(parse_page(html), None)
    checker.raw(html)
    return checker.findings


def fragment_findings(html: str, *, kind: str = "comment") -> list[Finding]:
    """Findings in user HTML alone: an API ``body_html`` or an event's (``kind`` "comment"),
    or a story body (``kind`` "story"). The whole fragment is a user container."""
    return list(_fragment_findings(html, kind))


@functools.lru_cache(maxsize=4096)
def _fragment_findings(html: str, kind: str) -> tuple[Finding, ...]:
    checker = _Checker(None)
    checker.tree(parse_fragment(html), kind)
    checker.raw(html)
    return tuple(checker.findings)


def markup_fragment_findings(html: str, *, base_url: str | None = None) -> list[Finding]:
    """Findings in an HTML fragment made by the templates (``/stories/{slug}/thread``)."""
    checker = _Checker(base_url)
    checker.tree(parse_fragment(html), None)
    checker.raw(html)
    return checker.findings


def text_of(html: str, selector_class: str, *, fragment: bool = False) -> list[str]:
    """The text content of every element with that class, as a browser shows it."""
    document = parse_fragment(html) if fragment else parse_page(html)
    return [
        "".join(element.itertext())
        for element in document.iter()
        if isinstance(element.tag, str) and selector_class in _classes(element)
    ]


def field_values(html: str) -> dict[str, str]:
    """The value a browser would show in each form field of a page, by its id."""
    document = parse_page(html)
    values = {}
    for element in document.iter():
        if not isinstance(element.tag, str) or not element.get("id"):
            continue
        if element.tag == "input":
            values[element.get("id") or ""] = element.get("value") or ""
        elif element.tag == "textarea":
            # The HTML parser drops one newline right after <textarea>, as the browser does.
            values[element.get("id") or ""] = element.text or ""
    return values


# Feeds ------------------------------------------------------------------------------------

FEED_ELEMENTS = {
    # The site's name as the feed's author, its tagline as the subtitle (site settings).
    "feed": {"title", "subtitle", "author", "generator", "id", "link", "updated", "entry"},
    "entry": {"id", "title", "link", "published", "updated", "author", "summary", "content"},
    "author": {"name", "uri"},  # a story's byline links its author pages
}
FEED_ATTRIBUTES = {"link": {"rel", "href"}, "content": {"type"}, "generator": {"version"}}


def feed_findings(
    body: bytes, *, base_url: str, kind: str = "comment"
) -> tuple[list[Element], list[Finding]]:
    """Parse an Atom feed with defusedxml (no DTD, no entities) and check it: only Atom
    elements where Atom puts them, text elements holding text only, absolute links on the
    configured base URL, and every ``type="html"`` content clean by the fragment oracle.
    Returns the entries and the findings."""
    root = SafeET.fromstring(body, forbid_dtd=True)
    findings: list[Finding] = []

    def visit(element: Element, where: str) -> None:
        namespace, name = _local(str(element.tag))
        here = f"{where}/{name}"
        if namespace != ATOM_NS:
            findings.append(Finding(here, f"element outside Atom: {element.tag}"))
        allowed = FEED_ATTRIBUTES.get(name, set())
        for attribute in element.attrib:
            if attribute not in allowed:
                findings.append(Finding(here, f"unexpected attribute {attribute}"))
        if name == "link" and not (element.get("href") or "").startswith(base_url + "/"):
            findings.append(Finding(here, f"link off the base URL: {element.get('href')!r}"))
        if name == "uri" and not (element.text or "").startswith(base_url + "/authors/"):
            findings.append(Finding(here, f"author link off the site: {element.text!r}"))
        children = FEED_ELEMENTS.get(name)
        for child in element:
            _, child_name = _local(str(child.tag))
            if children is None or child_name not in children:
                findings.append(Finding(here, f"<{child_name}> inside <{name}>"))
            visit(child, here)
        if name == "content":
            if element.get("type") != "html":
                findings.append(Finding(here, f"content of type {element.get('type')!r}"))
            for finding in fragment_findings(element.text or "", kind=kind):
                findings.append(Finding(f"{here} {finding.where}", finding.what))

    if root.tag != f"{{{ATOM_NS}}}feed":
        findings.append(Finding("/", f"root is {root.tag}, not an Atom feed"))
    visit(root, "")
    return root.findall(f"{{{ATOM_NS}}}entry"), findings


def atom_text(entry: Element, name: str) -> str:
    found = entry.find(f"{{{ATOM_NS}}}{name}")
    return "" if found is None else (found.text or "")


# Live events ------------------------------------------------------------------------------

SSE_FIELDS = ("id", "event", "data", "retry")
AVATAR_URL = re.compile(r"/avatars/[0-9a-f]{20}\.svg")


def sse_events(raw: bytes) -> tuple[list[tuple[str, dict[str, Any]]], list[Finding]]:
    """The events of a Server-Sent Events stream as (type, data), and the findings: a line
    that is no SSE field (a line break smuggled into an event), an event without exactly
    one data line, data that is not a JSON object."""
    events: list[tuple[str, dict[str, Any]]] = []
    findings: list[Finding] = []
    for block in raw.decode("utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            if name not in SSE_FIELDS:
                findings.append(Finding("sse", f"a line that is no SSE field: {line!r:.100}"))
            fields.setdefault(name, []).append(value.removeprefix(" "))
        if "event" not in fields:
            continue
        if len(fields.get("data", [])) != 1:
            findings.append(Finding("sse", f"event without one data line: {block!r:.100}"))
            continue
        data = orjson.loads(fields["data"][0])
        if not isinstance(data, dict):
            findings.append(Finding("sse", f"data is not an object: {block!r:.100}"))
            continue
        events.append((fields["event"][0], data))
    return events, findings


def comment_json_findings(comment: dict[str, Any], where: str = "json") -> list[Finding]:
    """Findings in a comment as the API and live events send it: its HTML by the fragment
    oracle, its website a web address, its avatar one of ours; replies recursively."""
    findings = [
        Finding(f"{where}#{comment.get('id')} {f.where}", f.what)
        for f in fragment_findings(comment.get("body_html") or "")
    ]
    website = comment.get("website")
    if website is not None and url_scheme(website) not in ("http", "https"):
        findings.append(Finding(f"{where}#{comment.get('id')}", f"website {website!r:.80}"))
    avatar = comment.get("avatar_url")
    if avatar is not None and not AVATAR_URL.fullmatch(avatar):
        findings.append(Finding(f"{where}#{comment.get('id')}", f"avatar_url {avatar!r:.80}"))
    for reply in comment.get("replies") or []:
        findings += comment_json_findings(reply, where)
    return findings


def event_findings(events: Iterable[tuple[str, dict[str, Any]]]) -> list[Finding]:
    findings: list[Finding] = []
    for kind, data in events:
        if kind in ("comment", "edit"):
            findings += comment_json_findings(data, f"sse {kind}")
    return findings


# Identicons -------------------------------------------------------------------------------

SVG_ATTRIBUTES = {
    "svg": {"viewBox", "width", "height"},
    "rect": {"x", "y", "width", "height", "fill"},
    "g": {"fill"},
}
COLOUR = re.compile(r"hsl\([0-9]{1,3} [0-9]{1,3}% [0-9]{1,3}%\)")


def svg_findings(body: bytes) -> list[Finding]:
    """An identicon must be the fixed drawing: svg, g and rect in the SVG namespace, with
    their geometry and an hsl() colour, nothing else."""
    findings = []
    for element in SafeET.fromstring(body, forbid_dtd=True).iter():
        namespace, name = _local(str(element.tag))
        if namespace != SVG_NS or name not in SVG_ATTRIBUTES:
            findings.append(Finding("svg", f"element {element.tag}"))
            continue
        for attribute, value in element.attrib.items():
            if attribute not in SVG_ATTRIBUTES[name]:
                findings.append(Finding(f"svg/{name}", f"attribute {attribute}"))
            elif attribute == "fill" and not COLOUR.fullmatch(value):
                findings.append(Finding(f"svg/{name}", f"fill {value!r}"))
    return findings


def report(findings: Iterable[Finding], limit: int = 40) -> str:
    """Findings for an assertion message: the first ``limit``, and how many more."""
    found = list(findings)
    lines = [str(f) for f in found[:limit]]
    if len(found) > limit:
        lines.append(f"... and {len(found) - limit} more")
    return "\n".join(lines)
