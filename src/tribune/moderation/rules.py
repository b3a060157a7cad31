"""Comment moderation rules: pure functions that approve, hold or reject a comment, and say why.

A rule is a small named unit that looks at one thing (the story's setting, the words, the links,
the share of capital letters, the author's history, reader reports) and either finds nothing or
gives a decision with a reason a moderator can read, such as ``held: 3 links, limit 2``. ``RULES``
is the one registry: its order is the evaluation order, and a rule's name is what verdicts store,
what the moderation queue filters on and what ``RuleConfig.disabled`` lists.

``evaluate`` runs every enabled rule on a ``Submission``; ``check_one`` runs a single rule, as the
reports service does with ``reports`` once a comment has been reported; ``outcome`` picks the most
severe decision. Nothing here does I/O: the caller looks up duplicates, the author's earlier
comments and the reports and passes the answers in.

How words are matched (case, accents, look-alikes, spaced-out and stretched letters) is in
wording.py; how links are found and their hosts compared with blocked domains, in links.py.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tribune.moderation import links, wording


class Decision(enum.StrEnum):
    """What a rule asks for. Members are declared in severity order: approve < hold < reject."""

    approve = "approve"
    hold = "hold"
    reject = "reject"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {decision: rank for rank, decision in enumerate(Decision)}


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule's finding about one comment."""

    rule: str  # the name of one of RULES
    decision: Decision
    reason: str  # for people: "held: 3 links, limit 2"


@dataclass(frozen=True, slots=True)
class Submission:
    """What the caller knows about the comment being checked."""

    body: str  # the Markdown the reader typed
    body_html: str  # its sanitized HTML; links appear as <a href="...">
    name: str
    website: str | None = None
    is_duplicate: bool = False  # the same fingerprint was posted within duplicate_minutes
    prior_comments: int = 0  # comments this author posted before
    story_premoderated: bool = False  # the story holds every comment
    story_first_comment_hold: bool = False  # the story holds first comments
    reports: int = 0  # reader reports the comment has received
    story_recent: int = 0  # new comments on the story in the last minute, this one included
    site_recent: int = 0  # new comments on the whole site in the last minute


Finding: TypeAlias = tuple[Decision, str]


@dataclass(frozen=True, slots=True)
class Rule:
    """One moderation rule."""

    name: str  # stored in verdicts, used in the queue filter and the config's `disabled`
    title: str  # for people: "Too many links"
    check: Callable[[Check], Finding | None]


def evaluate(submission: Submission, config: RuleConfig) -> list[Verdict]:
    """Every verdict of every enabled rule that fired (rules that find nothing return nothing)."""
    check = Check(submission, config)
    disabled = config.disabled
    verdicts: list[Verdict] = []
    for rule in RULES:
        if rule.name in disabled:
            continue
        finding = rule.check(check)
        if finding is not None:
            verdicts.append(Verdict(rule.name, *finding))
    return verdicts


def check_one(name: str, submission: Submission, config: RuleConfig) -> Verdict | None:
    """The verdict of the rule of that name; None if it is disabled or finds nothing.

    Raises KeyError for a name that is not in RULES.
    """
    rule = BY_NAME[name]
    if name in config.disabled:
        return None
    finding = rule.check(Check(submission, config))
    return None if finding is None else Verdict(name, *finding)


def outcome(verdicts: Sequence[Verdict]) -> Decision:
    """The most severe decision among the verdicts; approve when there are none."""
    return max(
        (verdict.decision for verdict in verdicts),
        key=lambda decision: decision.severity,
        default=Decision.approve,
    )


# --- The rules --------------------------------------------------------------------------------


class Check:
    """One submission under one config; work that several rules share is done at most once.

    (Plain lazy attributes: functools.cached_property takes a lock on every first access.)
    """

    __slots__ = ("_body", "_hrefs", "_name", "config", "submission")

    def __init__(self, submission: Submission, config: RuleConfig) -> None:
        self.submission = submission
        self.config = config
        self._body: wording.Text | None = None
        self._name: wording.Text | None = None
        self._hrefs: list[str] | None = None

    @property
    def body(self) -> wording.Text:
        if self._body is None:
            self._body = wording.prepare(self.submission.body)
        return self._body

    @property
    def name(self) -> wording.Text:
        if self._name is None:
            self._name = wording.prepare_name(self.submission.name)
        return self._name

    @property
    def hrefs(self) -> list[str]:
        if self._hrefs is None:
            self._hrefs = links.hrefs(self.submission.body_html)
        return self._hrefs


_NOT_UPPER_ASCII = bytes(byte for byte in range(256) if not 0x41 <= byte <= 0x5A)
_NOT_LOWER_ASCII = bytes(byte for byte in range(256) if not 0x61 <= byte <= 0x7A)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _quoted(items: Sequence[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _premoderated(check: Check) -> Finding | None:
    if check.submission.story_premoderated:
        return Decision.hold, "held: the story is pre-moderated"
    return None


def _listed_words(
    check: Check, words: list[str], decision: Decision, verb: str, kind: str
) -> Finding | None:
    if not words:
        return None
    word_list = wording.word_list(tuple(words))
    found, where = word_list.find(check.body), ""
    if not found and check.submission.name:  # spam often rides in the name
        found, where = word_list.find(check.name), " in the name"
    if not found:
        return None
    return decision, f"{verb}: {kind}{'s' if len(found) > 1 else ''} {_quoted(found)}{where}"


def _banned_words(check: Check) -> Finding | None:
    words = check.config.banned_words
    return _listed_words(check, words, Decision.reject, "rejected", "banned word")


def _suspect_words(check: Check) -> Finding | None:
    words = check.config.suspect_words
    return _listed_words(check, words, Decision.hold, "held", "suspect word")


def _blocked_domains(check: Check) -> Finding | None:
    index = links.domain_index(tuple(check.config.blocked_domains))
    if not index:
        return None
    linked: list[str] = []
    for href in check.hrefs:
        host = links.host(href)
        domain = links.blocked(host, index) if host else None
        if domain is not None and domain not in linked:
            linked.append(domain)
    parts: list[str] = []
    if linked:
        plural = "s" if len(linked) > 1 else ""
        parts.append(f"link{plural} to blocked domain{plural} {_quoted(linked)}")
    website = check.submission.website
    host = links.host(links.as_url(website)) if website and website.strip() else None
    domain = links.blocked(host, index) if host else None
    if domain is not None:
        parts.append(f'website on blocked domain "{domain}"')
    return (Decision.reject, "rejected: " + "; ".join(parts)) if parts else None


def _links(check: Check) -> Finding | None:
    count, limit = len(check.hrefs), check.config.links_max
    if count <= limit:
        return None
    return Decision.hold, f"held: {_counted(count, 'link')}, limit {limit}"


def _duplicate(check: Check) -> Finding | None:
    if not check.submission.is_duplicate:
        return None
    minutes = _counted(check.config.duplicate_minutes, "minute")
    return Decision.hold, f"held: the same text was posted in the last {minutes}"


def _count_upper(text: str) -> int:
    if text.isascii():
        return len(text.encode("ascii").translate(None, _NOT_UPPER_ASCII))
    count = sum(map(len, _upper_letters().findall(text)))
    astral = _ASTRAL.findall(text)  # a few emoji, mostly; now and then a cased letter
    return count + sum(map(str.isupper, astral)) if astral else count


@functools.cache
def _upper_letters() -> re.Pattern[str]:
    # Up to U+FFFF, for the reason given in wording._combining_marks; three times faster than
    # str.isupper called on each character.
    letters = "".join(chr(cp) for cp in range(0x80, 0x10000) if chr(cp).isupper())
    return re.compile(f"[A-Z{re.escape(letters)}]+")


def _count_lower(text: str) -> int:
    if text.isascii():
        return len(text.encode("ascii").translate(None, _NOT_LOWER_ASCII))
    return sum(map(str.islower, text))


def _shouting(check: Check) -> Finding | None:
    config, body = check.config, check.submission.body
    minimum = config.shouting_min_letters
    if len(body) < minimum:  # too short to hold that many letters
        return None
    # Letters without case (digits, Chinese, Arabic) count neither way.
    upper = _count_upper(body)
    if upper == 0 or upper <= config.shouting_ratio * minimum:  # most comments stop here
        return None
    letters = upper + _count_lower(body)
    if letters < minimum or upper / letters <= config.shouting_ratio:
        return None
    # Rounded down, so the reason never overstates.
    return Decision.hold, f"held: {upper * 100 // letters}% capital letters"


def _first_comment(check: Check) -> Finding | None:
    submission = check.submission
    asked = check.config.first_comment_hold or submission.story_first_comment_hold
    if asked and submission.prior_comments <= 0:
        return Decision.hold, "held: first comment of a new commenter"
    return None


def _reports(check: Check) -> Finding | None:
    submission, threshold = check.submission, check.config.reports_to_hide
    if threshold > 0 and submission.reports >= threshold:
        return Decision.hold, f"held: {submission.reports} reader reports"
    return None


def _surge(check: Check) -> Finding | None:
    # A flood from many addresses (a botnet, a raid) gets past every per-reader limit; above
    # these ceilings comments wait for a moderator instead of being refused.
    submission, config = check.submission, check.config
    if 0 < config.surge_story_per_minute < submission.story_recent:
        return Decision.hold, f"held: surge: {submission.story_recent} comments in a minute"
    if 0 < config.surge_site_per_minute < submission.site_recent:
        return (
            Decision.hold,
            f"held: surge: {submission.site_recent} comments in a minute site-wide",
        )
    return None


REPORTS = "reports"  # the rule reader reports trigger (moderation/reports.py)

# Every rule, in evaluation order. "reports" comes last: a new comment has no reports yet.
RULES: tuple[Rule, ...] = (
    Rule("premoderated", "Pre-moderated story", _premoderated),
    Rule("banned_words", "Banned words", _banned_words),
    Rule("blocked_domains", "Blocked domains", _blocked_domains),
    Rule("suspect_words", "Suspect words", _suspect_words),
    Rule("links", "Too many links", _links),
    Rule("duplicate", "Repeated comment", _duplicate),
    Rule("shouting", "Shouting", _shouting),
    Rule("first_comment", "First comment", _first_comment),
    Rule("surge", "Surge", _surge),
    Rule(REPORTS, "Reader reports", _reports),
)
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


# --- Configuration (after RULES: `disabled` is described and checked by rule name) ------------

# Unmistakable spam only: political words never belong here.
DEFAULT_BANNED_WORDS: tuple[str, ...] = (
    "viagra",
    "cialis",
    "casino bonus",
    "buy followers",
    "work from home and earn",
)
# Common insults: a moderator looks before the comment goes up. Whole words, so forms are listed.
DEFAULT_SUSPECT_WORDS: tuple[str, ...] = (
    "idiot",
    "idiots",
    "moron",
    "morons",
    "imbecile",
    "imbeciles",
    "scum",
    "scumbag",
    "retarded",  # not "retard": ordinary French for "late"
)


class RuleConfig(BaseModel):
    """What the moderation rules look for. Staff edit it; it is stored as JSON."""

    model_config = ConfigDict(validate_assignment=True)

    banned_words: list[str] = Field(
        title="Banned words (reject)",
        default_factory=lambda: list(DEFAULT_BANNED_WORDS),
        description="Words or phrases that get a comment rejected. Whole words only, ignoring "
        "case, accents, look-alike characters (sp@m) and spaced-out letters (s p a m); list "
        "plurals and other forms separately.",
    )
    suspect_words: list[str] = Field(
        title="Suspect words (hold)",
        default_factory=lambda: list(DEFAULT_SUSPECT_WORDS),
        description="Words or phrases that hold a comment for a moderator, matched like the "
        "banned words.",
    )
    links_max: int = Field(
        2,
        title="Links allowed in a comment",
        ge=0,
        description="Comments with more links than this are held for a moderator.",
    )
    blocked_domains: list[str] = Field(
        title="Blocked domains (reject)",
        default_factory=list,
        description="Comments linking to these domains or their subdomains (in the text or the "
        "website field) are rejected. Enter bare domains such as example.com.",
    )
    duplicate_minutes: int = Field(
        60,
        title="Minutes a repeated comment is looked for",
        ge=0,
        description="A comment whose text was already posted this many minutes back is held.",
    )
    shouting_ratio: float = Field(
        0.7,
        title="Share of capitals that counts as shouting",
        gt=0,
        le=1,
        description="Comments whose share of capital letters is above this (0.7 is 70%) are held.",
    )
    shouting_min_letters: int = Field(
        20,
        title="Letters before shouting is counted",
        ge=0,
        description="Comments with fewer letters than this are never counted as shouting.",
    )
    first_comment_hold: bool = Field(
        False,
        title="Hold first comments",
        description="Hold the first comment of every new commenter, on every story.",
    )
    reports_to_hide: int = Field(
        3,
        title="Reports that hide a comment",
        ge=0,
        description="Reader reports after which a comment is hidden until reviewed "
        "(readers who share an address count once).",
    )
    rate_per_minute: int = Field(
        5,
        title="Comments a minute, per commenter",
        ge=0,
        description="Comments one reader may post per minute; readers who share an "
        "address may together post 4 times that.",
    )
    surge_story_per_minute: int = Field(
        60,
        title="Surge ceiling on one story (comments a minute)",
        ge=0,
        description="Above this many new comments in a minute on one story, new ones are held "
        "for a moderator, whoever sends them (0: no ceiling).",
    )
    surge_site_per_minute: int = Field(
        300,
        title="Surge ceiling site-wide (comments a minute)",
        ge=0,
        description="Above this many new comments in a minute on the whole site, new ones are "
        "held for a moderator (0: no ceiling).",
    )
    close_after_days: int = Field(
        0,
        title="Days after publishing that comments close",
        ge=0,
        le=36_500,
        description="A story's comments close by themselves this many days after it was "
        "published (0: they stay open until an editor closes them).",
    )
    disabled: list[str] = Field(
        title="Rules turned off",
        default_factory=list,
        description="Rules turned off: " + ", ".join(BY_NAME) + ".",
    )

    @field_validator("banned_words", "suspect_words")
    @classmethod
    def clean_words(cls, words: list[str]) -> list[str]:
        cleaned: list[str] = []
        seen: set[str] = set()
        for raw in words:
            word = " ".join(raw.split())
            if not word:
                raise ValueError("words must not be blank")
            key = wording.normalize(word)
            if not key:
                raise ValueError(f"{word!r} has no letters or digits to match")
            if key not in seen:  # "Spam" after "spam" would only repeat it
                seen.add(key)
                cleaned.append(word)
        return cleaned

    @field_validator("blocked_domains")
    @classmethod
    def clean_domains(cls, domains: list[str]) -> list[str]:
        cleaned: list[str] = []
        for raw in domains:
            domain = links.clean_domain(raw)
            if domain not in cleaned:
                cleaned.append(domain)
        return cleaned

    @field_validator("disabled")
    @classmethod
    def known_rules(cls, names: list[str]) -> list[str]:
        cleaned: list[str] = []
        for raw in names:
            name = raw.strip()
            if name not in BY_NAME:
                raise ValueError(f"unknown rule {name!r}; the rules are {', '.join(BY_NAME)}")
            if name not in cleaned:
                cleaned.append(name)
        return cleaned
