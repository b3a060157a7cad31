"""Markdown to safe HTML: the only producer of HTML from user or editor text.

Every output passes through nh3 (ammonia) with an explicit allowlist, after markdown-it has
already been told to refuse raw HTML. The allowlist, not the Markdown parser, is what keeps
the page safe: whatever the parser emits, only these tags, attributes and URL schemes survive.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote

import nh3
from linkify_it import LinkifyIt  # type: ignore[import-untyped]
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

URL_SCHEMES = {"http", "https", "mailto"}
# Attributes allowed on every tag: none. Without this key nh3 keeps ammonia's defaults, lang
# and title, so a Markdown link title would reach the page as a title attribute.
NO_GENERIC: dict[str, set[str]] = {"*": set()}
COMMENT_REL = "nofollow ugc noopener noreferrer"

COMMENT_TAGS = {"p", "br", "em", "strong", "a", "blockquote", "code", "pre", "ul", "ol", "li"}
STORY_TAGS = COMMENT_TAGS | {"h2", "h3", "h4", "hr", "img"}
# The only images a story may show are our own uploads (stories/images.py): a remote image
# would make every reader's browser call a third party. Comments show none at all.
MEDIA_URL = re.compile(r"/media/[0-9a-f]{64}\.webp")

# A hashtag starts with a letter (so "#1" is not one) and is not part of a word or URL; at
# most TAG_MAX characters, the length of a tag's name and slug in the database.
TAG_MAX = 50
HASHTAG = re.compile(r"(?<![\w/#&])#([^\W\d_][\w]*(?:-\w+)*)(?![\w-])")


def tag_slug(name: str) -> str:
    """The URL form of a tag: lower case, accents kept, so ``#Putin`` lives at /tags/putin."""
    return unicodedata.normalize("NFC", name).casefold()


def _link_hashtags(state: StateCore) -> None:
    """Turn ``#Tag`` in text (outside links and code) into a link to /tags/tag."""
    found: list[str] = state.env.setdefault("hashtags", [])
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            if token.type != "text" or in_link or not HASHTAG.search(token.content):
                children.append(token)
                continue
            position = 0
            for match in HASHTAG.finditer(token.content):
                if len(match.group(1)) > TAG_MAX:
                    continue
                if match.start() > position:
                    children.append(_text(token.content[position : match.start()]))
                name = match.group(1)
                found.append(name)
                link = Token("link_open", "a", 1)
                link.attrs = {"href": f"/tags/{quote(tag_slug(name))}", "class": "hashtag"}
                children += [link, _text(match.group(0)), Token("link_close", "a", -1)]
                position = match.end()
            if position < len(token.content):
                children.append(_text(token.content[position:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _own_images(state: StateCore) -> None:
    """Keep an image only when it is one of our uploads; any other becomes a link to it
    (its alt text as the words), or just its alt text inside a link."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            if token.type != "image":
                children.append(token)
                continue
            src = str(token.attrs.get("src", ""))
            if MEDIA_URL.fullmatch(src):
                token.attrs["loading"] = "lazy"
                children.append(token)
                continue
            words = token.children or [_text(src)]
            if in_link:
                children += words
                continue
            link = Token("link_open", "a", 1)
            link.attrs = {"href": src}
            children += [link, *words, Token("link_close", "a", -1)]
        block.children = children


def _own_image_src(tag: str, attribute: str, value: str) -> str | None:
    """The sanitizer's own check, whatever the parser emitted: an <img> src is ours or gone."""
    if tag == "img" and attribute == "src" and not MEDIA_URL.fullmatch(value):
        return None
    return value


class QuickLinkify(LinkifyIt):  # type: ignore[misc]
    """linkify-it with the same answers, sooner. Its tests are regular expressions that try,
    at every position of the text, a class of all Unicode punctuation and spaces before each
    schema or domain ending: about a third of rendering a comment went there, for prose
    that holds no link. Each test here first looks, with a plain search, for what its
    expression cannot match without (a schema's name, a dot or "localhost", an @), and
    runs the expression only when that is there; markdown-it asks ``pretest`` of every
    paragraph and ``test`` of every piece of text in one that passed."""

    def _compile(self) -> None:  # linkify-it's, on creation and on each change of schemas
        super()._compile()
        # The schemas the expressions name, as linkify-it builds their list.
        names = [name for name, value in self._compiled.items() if name and value]
        self._schema_hint = re.compile("|".join(map(re.escape, names)), re.IGNORECASE)
        self._schema_test = re.compile(self.re["schema_test"], re.IGNORECASE)
        # host_fuzzy_test is localhost, www., .1., or a dot and a TLD: never without one
        # of those two (IGNORECASE: "ſ" and the Kelvin sign match "s" and "k" too).
        self._host_hint = re.compile(r"\.|localhost", re.IGNORECASE)
        self._host_test = re.compile(self.re["host_fuzzy_test"], re.IGNORECASE)

    def _has_schema(self, text: str) -> bool:
        return bool(self._schema_hint.search(text) and self._schema_test.search(text))

    def _has_host(self, text: str) -> bool:
        return bool(self._host_hint.search(text) and self._host_test.search(text))

    def pretest(self, text: str) -> bool:
        # linkify-it's pretest is one expression: schema_test | host_fuzzy_test | @
        return "@" in text or self._has_schema(text) or self._has_host(text)

    def test(self, text: str) -> bool:
        """LinkifyIt.test, step by step, each expression behind its hint."""
        if not text:
            return False
        if self._has_schema(text):
            for matched in self._schema_test.finditer(text):
                if self.test_schema_at(text, matched.group(2), matched.end(0)):
                    return True
        if self._opts.get("fuzzy_link") and self._compiled.get("http:") and self._has_host(text):
            pattern = self.re["link_fuzzy" if self._opts.get("fuzzy_ip") else "link_no_ip_fuzzy"]
            if re.search(pattern, text, flags=re.IGNORECASE):
                return True
        if self._opts.get("fuzzy_email") and self._compiled.get("mailto:") and "@" in text:
            return bool(re.search(self.re["email_fuzzy"], text, flags=re.IGNORECASE))
        return False


def _comment_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    md.linkify = QuickLinkify()
    md.enable("linkify")
    md.disable(["heading", "lheading", "hr", "image", "html_block", "html_inline"])
    return md


def _story_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True})
    md.linkify = QuickLinkify()
    md.enable("linkify")
    md.disable(["html_block", "html_inline"])
    md.core.ruler.push("own_images", _own_images)
    md.core.ruler.push("hashtags", _link_hashtags)
    return md


_COMMENT_MD = _comment_parser()
_STORY_MD = _story_parser()


def sanitize_comment_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=COMMENT_TAGS,
        attributes={"a": {"href"}, "ol": {"start"}} | NO_GENERIC,
        url_schemes=URL_SCHEMES,
        link_rel=COMMENT_REL,
        strip_comments=True,
    )


def render_comment(text: str) -> str:
    """A reader's comment as safe HTML: paragraphs, emphasis, links, quotes, code, lists."""
    return sanitize_comment_html(_COMMENT_MD.render(text))


def render_story(text: str) -> tuple[str, list[str]]:
    """A story body as safe HTML, and the hashtags it names in order of appearance."""
    env: dict[str, Any] = {}
    html = _STORY_MD.render(text, env)
    clean = nh3.clean(
        html,
        tags=STORY_TAGS,
        attributes={"a": {"href"}, "ol": {"start"}, "img": {"src", "alt"}} | NO_GENERIC,
        attribute_filter=_own_image_src,
        tag_attribute_values={"img": {"loading": {"lazy"}}},
        allowed_classes={"a": {"hashtag"}},
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        strip_comments=True,
    )
    return clean, env.get("hashtags", [])
