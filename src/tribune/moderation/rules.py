"""Comment moderation rules: pure functions that approve, hold or reject a comment, and say why.

Each rule is a small named unit that looks at one thing (the story's setting, the words, the links,
the share of capital letters, the author's history) and either finds nothing or gives a decision
with a reason a moderator can read, such as ``held: 3 links, limit 2``. ``evaluate`` runs every
enabled rule on a ``Submission``; ``outcome`` picks the most severe decision. Nothing here does
I/O: the caller looks up duplicates and the author's earlier comments and passes the answers in.

Word lists match whole words after ``normalize``: case and accents folded, look-alike characters
read as letters (``sp@m``, ``1d10t``), stretched letters shrunk (``spaaaam``). Characters spaced
out one by one with single separators (``s p a m``, ``s.p.@.m``) match only when, joined, they are
exactly a listed word or phrase (a leading "a" or "i" may be a word of its own: ``a s p a m``), so
``a s s e s s m e n t`` does not match ``ass``. ``spammer`` does not match ``spam`` and ``class``
does not match ``ass``: list plurals and other forms as words of their own.

These rules run on every new or edited comment, so the per-character work is done by
``bytes.translate``, ``split`` and set intersections rather than Python loops, and each word list
and domain list is prepared once and cached.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import html
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator


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

    rule: str  # the rule's name, one of RULES
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


# Every rule, in evaluation order.
RULES: tuple[str, ...] = (
    "premoderated",
    "banned_words",
    "blocked_domains",
    "suspect_words",
    "links",
    "duplicate",
    "shouting",
    "first_comment",
)

RULE_TITLES: dict[str, str] = {
    "premoderated": "Pre-moderated story",
    "banned_words": "Banned words",
    "blocked_domains": "Blocked domains",
    "suspect_words": "Suspect words",
    "links": "Too many links",
    "duplicate": "Repeated comment",
    "shouting": "Shouting",
    "first_comment": "First comment",
}

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
        default_factory=lambda: list(DEFAULT_BANNED_WORDS),
        description="Words or phrases that get a comment rejected. Whole words only, ignoring "
        "case, accents, look-alike characters (sp@m) and spaced-out letters (s p a m); list "
        "plurals and other forms separately.",
    )
    suspect_words: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SUSPECT_WORDS),
        description="Words or phrases that hold a comment for a moderator, matched like the "
        "banned words.",
    )
    links_max: int = Field(
        2, ge=0, description="Comments with more links than this are held for a moderator."
    )
    blocked_domains: list[str] = Field(
        default_factory=list,
        description="Comments linking to these domains or their subdomains (in the text or the "
        "website field) are rejected. Enter bare domains such as example.com.",
    )
    duplicate_minutes: int = Field(
        60,
        ge=0,
        description="A comment whose text was already posted this many minutes back is held.",
    )
    shouting_ratio: float = Field(
        0.7,
        gt=0,
        le=1,
        description="Comments whose share of capital letters is above this (0.7 is 70%) are held.",
    )
    shouting_min_letters: int = Field(
        20, ge=0, description="Comments with fewer letters than this are never counted as shouting."
    )
    first_comment_hold: bool = Field(
        False, description="Hold the first comment of every new commenter, on every story."
    )
    reports_to_hide: int = Field(
        3, ge=0, description="Reader reports after which a comment is hidden until reviewed."
    )
    rate_per_minute: int = Field(5, ge=0, description="Comments one reader may post per minute.")
    disabled: list[str] = Field(
        default_factory=list,
        description="Rules turned off: " + ", ".join(RULES) + ".",
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
            key = normalize(word)
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
            domain = _clean_domain(raw)
            if domain not in cleaned:
                cleaned.append(domain)
        return cleaned

    @field_validator("disabled")
    @classmethod
    def known_rules(cls, names: list[str]) -> list[str]:
        cleaned: list[str] = []
        for raw in names:
            name = raw.strip()
            if name not in RULES:
                raise ValueError(f"unknown rule {name!r}; the rules are {', '.join(RULES)}")
            if name not in cleaned:
                cleaned.append(name)
        return cleaned


def evaluate(submission: Submission, config: RuleConfig) -> list[Verdict]:
    """Every verdict of every enabled rule that fired (rules that find nothing return nothing)."""
    check = _Check(submission, config)
    disabled = config.disabled
    verdicts: list[Verdict] = []
    for name in RULES:
        if name in disabled:
            continue
        finding = _CHECKS[name](check)
        if finding is not None:
            verdicts.append(Verdict(name, *finding))
    return verdicts


def outcome(verdicts: Sequence[Verdict]) -> Decision:
    """The most severe decision among the verdicts; approve when there are none."""
    return max(
        (verdict.decision for verdict in verdicts),
        key=lambda decision: decision.severity,
        default=Decision.approve,
    )


# --- Normalization ----------------------------------------------------------------------------

# After folding, the work is done on UTF-8 bytes: bytes.translate is one C loop, where str regexes
# and per-character Python cost several microseconds each on a 500-character comment. Bytes of
# non-ASCII characters (0x80-0xFF) only survive once non-ASCII punctuation and symbols are gone,
# so they count as letters.
_SYMBOLS = b"@$!|"
_LOOKALIKES = bytes.maketrans(b"@431!|0$57", b"aaeiiiosst")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789" + _SYMBOLS) | frozenset(
    range(0x80, 0x100)
)
_SPACE_OUT = bytes(byte if byte in _WORD_BYTES else 0x20 for byte in range(256))
_SPACE_OUT_SYMBOLS = bytes(0x20 if byte in _SYMBOLS else byte for byte in range(256))
_LOOKALIKE = re.compile(rb"[013457@$!|]")
_LETTER = re.compile(rb"[a-z\x80-\xff]")
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]+")
# Single characters between single spaces. Before this runs, each separator character has
# become one space, so "s.p.a.m" and "s_p_@_m" qualify, while "s . p" (three separators) does not.
_SPACED_ASCII = re.compile(rb" ([^ ](?: [^ ])+)(?= )")
_SPACED = re.compile(r" ([^ ](?: [^ ])+)(?= )")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
_TRIPLE = re.compile(r"([^\W\d_])\1\1")
_DIGITS = re.compile(r"\d+")


def normalize(text: str) -> str:
    """The text as the word rules read it: lower-case words of letters and digits, one space apart.

    In order: NFKD, case folding and dropping combining marks ("Idiót" -> "idiot"); inside words
    that have a letter, look-alikes read as letters (@ 4 -> a, 3 -> e, 1 ! | -> i, 0 -> o, $ 5 -> s,
    7 -> t), except "!" and "|" at the end of a word and "|" at its start, which are punctuation
    ("idiot!" stays "idiot"); every run of anything but letters and digits becomes one space;
    runs of three or more of the same letter become exactly three ("spaaaam" -> "spaaam"). Three,
    not one, keeps "ass" and "as" apart; the word rules read such a run as one, two or three
    letters, so "spaaaam" matches "spam" and "asssss" matches "ass".
    """
    return _normalize_folded(_fold(text))[0]


def fingerprint(text: str) -> str:
    """A short stable digest of the words of the text, to spot the same comment posted again.

    Texts that differ only in case, accents, punctuation, spacing or numbers share a fingerprint.
    """
    words = _DIGITS.sub(" ", normalize(text)).split()
    return hashlib.blake2b(" ".join(words).encode(), digest_size=16).hexdigest()


def _fold(text: str) -> str:
    """NFKD, case folding, combining marks dropped."""
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKD", text).casefold()
    if folded.isascii():
        return folded
    folded = _combining_marks().sub("", folded)
    # Marks beyond U+FFFF are rare; only the few characters out there (emoji, mostly) are tested.
    if any(unicodedata.combining(char) for char in _ASTRAL.findall(folded)):
        folded = "".join(char for char in folded if not unicodedata.combining(char))
    return folded


@functools.cache
def _combining_marks() -> re.Pattern[str]:
    # Only marks up to U+FFFF: sre checks such a class with one table lookup per character,
    # while a class reaching beyond it is a list of ranges tried one by one (ten times slower).
    # Built on first need (a few ms), not at import.
    marks = "".join(chr(cp) for cp in range(0x300, 0x10000) if unicodedata.combining(chr(cp)))
    return re.compile(f"[{re.escape(marks)}]+")


def _normalize_folded(folded: str, spaced_runs: list[str] | None = None) -> tuple[str, list[str]]:
    """The normalized text, and its words that had stretched letters (as normalized).

    With a list for ``spaced_runs``, also collect the runs of spaced-out single characters,
    look-alikes still in place ("s p @ m"), before punctuation turns into spaces.
    """
    if not folded.isascii():
        folded = _NON_ASCII_NON_WORD.sub(" ", folded)
    data = _read_lookalikes(folded.encode().translate(_SPACE_OUT))
    if spaced_runs is not None:
        if data.isascii():
            spaced_runs.extend(run.decode() for run in _SPACED_ASCII.findall(b" " + data + b" "))
        else:  # a UTF-8 letter is several bytes: look for single characters in the text
            spaced_runs.extend(_SPACED.findall(f" {data.decode()} "))
    text = b" ".join(data.translate(_SPACE_OUT_SYMBOLS).split()).decode()
    runs = _stretched_runs(text)
    if not runs:
        return text, []
    pieces: list[str] = []
    words: list[str] = []
    last = stop = 0
    for start, end in runs:
        pieces.append(text[last : start + 3])
        last = end
        if start >= stop:  # the first stretch in this word (a word may have several)
            stop = text.find(" ", end)
            stop = stop if stop >= 0 else len(text)
            word = text[text.rfind(" ", 0, start) + 1 : stop]
            words.append(_STRETCHED.sub(r"\1\1\1", word))
    pieces.append(text[last:])
    return "".join(pieces), words


def _stretched_runs(text: str) -> list[tuple[int, int]]:
    """Where the runs of three or more of the same letter start and end.

    Read as one big integer and XOR-ed with itself shifted by one character, the text has a zero
    character wherever a character repeats the one before it; two zeros in a row mark a run of
    three. That is a few C-level passes instead of a regex backreference tried at every position.
    """
    width = 1 if text.isascii() else 4
    data = text.encode("ascii" if width == 1 else "utf-32-be")
    number = int.from_bytes(data, "big")
    diff = (number ^ (number >> (8 * width))).to_bytes(len(data), "big")
    zeros = bytes(2 * width)
    runs: list[tuple[int, int]] = []
    at = diff.find(zeros)
    while at >= 0:
        if at % width:  # two zero bytes straddling characters, not two zero characters
            at = diff.find(zeros, at + 1)
            continue
        index = at // width  # text[index - 1] == text[index] == text[index + 1]
        end = index + 2
        while end < len(text) and text[end] == text[index]:
            end += 1
        if text[index].isalpha():  # "000" is a number, not a stretched letter
            runs.append((index - 1, end))
        at = diff.find(zeros, end * width)
    return runs


def _read_lookalikes(data: bytes) -> bytes:
    """Look-alike characters read as letters inside the space-separated words that have a letter.

    Only the words that hold a look-alike are visited, so ordinary text costs one regex scan.
    """
    match = _LOOKALIKE.search(data)
    if match is None:
        return data
    out = bytearray(data)
    while match is not None:
        start = data.rfind(b" ", 0, match.start()) + 1
        end = data.find(b" ", match.end())
        if end < 0:
            end = len(data)
        word = data[start:end]
        if word.isdigit():  # the commonest visitor: a number
            match = _LOOKALIKE.search(data, end)
            continue
        core = word.rstrip(b"!|")  # "idiot!": a trailing "!" is punctuation, not an "i"
        head = core.lstrip(b"|")  # "|cell": a leading "|" is a Markdown table border
        if _LETTER.search(head):  # "2024" and "$5" stay numbers
            begin = start + len(core) - len(head)
            out[begin : start + len(core)] = head.translate(_LOOKALIKES)
        match = _LOOKALIKE.search(data, end)
    return bytes(out)


@functools.lru_cache(maxsize=1024)
def _readings(word: str) -> frozenset[str]:
    """Every way to read a normalized word's stretched letters: each run as one, two or three."""
    choices: list[tuple[str, ...]] = []
    last = 0
    for match in _TRIPLE.finditer(word):
        letter = match.group(1)
        choices.append((word[last : match.start()],))
        choices.append((letter, letter * 2, letter * 3))
        last = match.end()
    if not choices:
        return frozenset((word,))
    choices.append((word[last:],))
    if len(choices) > 9:  # more than 4 runs: read them all alike rather than try 3**n readings
        return frozenset(
            "".join(choice[min(i, len(choice) - 1)] for choice in choices) for i in range(3)
        )
    return frozenset("".join(parts) for parts in itertools.product(*choices))


def _stretch_pattern(word: str) -> str:
    """A regex for a normalized word that also matches it with stretched letters."""
    parts: list[str] = []
    for match in re.finditer(r"(.)\1*", word):
        run, letter = match.group(), re.escape(match.group(1))
        if not run[0].isalpha():
            parts.append(re.escape(run))
        elif len(run) >= 3:
            parts.append(letter * 3)
        else:  # "a" matches "a" or "aaa"; "ss" matches "ss" or "sss", but "ss" never "s"
            parts.append(f"{letter * len(run)}(?:{letter * (3 - len(run))})?")
    return "".join(parts)


# --- Word lists -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Text:
    """One field's text, normalized once and shared by the word rules."""

    padded: str  # the normalized words with a space at each end, for phrase searches
    words: frozenset[str]
    stretched: frozenset[str]  # every reading of the words with stretched letters
    spaced: frozenset[str]  # every reading of the runs of spaced-out characters, joined


def _prepare(text: str) -> _Text:
    runs: list[str] = []
    normal, stretched = _normalize_folded(_fold(text), runs)
    return _Text(
        f" {normal} ",
        frozenset(normal.split()),
        frozenset[str]().union(*map(_readings, stretched)),
        frozenset[str]().union(*map(_spaced_readings, runs)),
    )


# Names come back with every comment their owner posts.
_prepare_name = functools.lru_cache(maxsize=1024)(_prepare)


@functools.lru_cache(maxsize=1024)
def _spaced_readings(run: str) -> frozenset[str]:
    """What a run of spaced-out characters ("s p @ m", "u s") may spell, normalized."""
    letters = run.replace(" ", "")
    candidates = [letters]
    if letters[0] in "ai" and len(letters) > 2:  # "a s p a m": that "a" is likely a word
        candidates.append(letters[1:])
    readings: set[str] = set()
    for candidate in candidates:
        joined = normalize(candidate)
        if joined:
            readings.update(_readings(joined))
    return frozenset(readings)


@dataclass(frozen=True, slots=True)
class _Phrase:
    index: int  # in the word list
    first: str  # its first normalized word: a cheap test before the substring search
    padded: str  # " buy now "
    stretched: re.Pattern[str]  # finds it among stretched words

    def found_in(self, text: _Text) -> bool:
        first = self.first
        if first in text.words and self.padded in text.padded:
            return True
        # A stretched word ("buy folllowers") defeats the plain search; the regex reads each run
        # as one, two or three letters. Its first word must still be there in some reading.
        return (
            bool(text.stretched)
            and (first in text.words or first in text.stretched)
            and self.stretched.search(text.padded) is not None
        )


@dataclass(frozen=True, slots=True)
class _WordList:
    words: tuple[str, ...]  # as staff spelled them, for the reasons
    singles: dict[str, int]  # normalized one-word entry -> index
    phrases: tuple[_Phrase, ...]
    joined: dict[str, int]  # normalized entry without spaces -> index, for spaced-out runs

    def find(self, text: _Text) -> list[str]:
        """The listed words and phrases found in the text, in list order."""
        singles = self.singles
        hits = {singles[word] for word in text.words.intersection(singles)}
        if text.stretched:
            hits.update(singles[word] for word in text.stretched.intersection(singles))
        if text.spaced:
            hits.update(self.joined[word] for word in text.spaced.intersection(self.joined))
        hits.update(
            phrase.index
            for phrase in self.phrases
            if phrase.index not in hits and phrase.found_in(text)
        )
        return [self.words[index] for index in sorted(hits)]


@functools.lru_cache(maxsize=64)
def _word_list(words: tuple[str, ...]) -> _WordList:
    singles: dict[str, int] = {}
    joined: dict[str, int] = {}
    phrases: list[_Phrase] = []
    seen: set[str] = set()
    for index, word in enumerate(words):
        key = normalize(word)
        if not key or key in seen:  # nothing to match, or a repeat
            continue
        seen.add(key)
        joined.setdefault(key.replace(" ", ""), index)
        if " " not in key:
            singles[key] = index
            continue
        pattern = " " + " ".join(_stretch_pattern(part) for part in key.split(" ")) + " "
        phrases.append(_Phrase(index, key.split(" ", 1)[0], f" {key} ", re.compile(pattern)))
    return _WordList(words, singles, tuple(phrases), joined)


# --- Links and domains ------------------------------------------------------------------------

# The sanitizer writes lower-case tags and quoted attributes; "data-href" is not a link.
_HREF = re.compile(r"""<a\s[^>]*?(?<![\w-])href\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Browsers read a backslash as a slash, so it ends the host as well: "//evil.test\\@good.test".
_AUTHORITY = re.compile(r"\s*(?:[a-z][a-z0-9+.\-]*:)?//([^/?#\\\s]*)", re.IGNORECASE)
_DOMAIN = re.compile(r"[^\s./:@?#\[\]]+(?:\.[^\s./:@?#\[\]]+)*")


def _host(url: str) -> str | None:
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


def _as_url(address: str) -> str:
    # The website field may be a bare "example.com/page"; without "//" it would parse as a path.
    address = address.strip()
    return address if "//" in address else "//" + address


def _clean_domain(raw: str) -> str:
    """A domain as staff typed it, as a bare host: "https://WWW.Example.com/" -> "example.com"."""
    text = raw.strip().lower()
    if not text:
        raise ValueError("domains must not be blank")
    if text.startswith("*."):  # subdomains are blocked anyway
        text = text[2:]
    host = None if any(char.isspace() for char in text) else _host(_as_url(text))
    if host is None or not _DOMAIN.fullmatch(host):
        raise ValueError(f"{raw.strip()!r} is not a domain name such as example.com")
    return host


def _spellings(host: str) -> tuple[str, ...]:
    # An internationalized host may come as Unicode or as punycode; compare both ways.
    if host.isascii():
        return (host,)
    try:
        return (host, host.encode("idna").decode("ascii"))
    except UnicodeError:
        return (host,)


@functools.lru_cache(maxsize=64)
def _domain_index(domains: tuple[str, ...]) -> dict[str, str]:
    """Each spelling of each blocked domain -> the domain as listed."""
    index: dict[str, str] = {}
    for raw in domains:
        try:
            domain = _clean_domain(raw)
        except ValueError:  # validation refuses these; a list changed in place may still hold one
            continue
        for spelling in _spellings(domain):
            index.setdefault(spelling, domain)
    return index


def _blocked(host: str, index: dict[str, str]) -> str | None:
    """The blocked domain the host is, or is a subdomain of."""
    for spelling in _spellings(host):
        labels = spelling.split(".")
        for start in range(len(labels)):
            domain = index.get(".".join(labels[start:]))
            if domain is not None:
                return domain
    return None


# --- The rules --------------------------------------------------------------------------------

_Finding = tuple[Decision, str]

_NOT_UPPER_ASCII = bytes(byte for byte in range(256) if not 0x41 <= byte <= 0x5A)
_NOT_LOWER_ASCII = bytes(byte for byte in range(256) if not 0x61 <= byte <= 0x7A)


class _Check:
    """One submission under one config; work that several rules share is done at most once.

    (Plain lazy attributes: functools.cached_property takes a lock on every first access.)
    """

    __slots__ = ("_body", "_hrefs", "_name", "config", "submission")

    def __init__(self, submission: Submission, config: RuleConfig) -> None:
        self.submission = submission
        self.config = config
        self._body: _Text | None = None
        self._name: _Text | None = None
        self._hrefs: list[str] | None = None

    @property
    def body(self) -> _Text:
        if self._body is None:
            self._body = _prepare(self.submission.body)
        return self._body

    @property
    def name(self) -> _Text:
        if self._name is None:
            self._name = _prepare_name(self.submission.name)
        return self._name

    @property
    def hrefs(self) -> list[str]:
        if self._hrefs is None:
            self._hrefs = [
                html.unescape(href) if "&" in href else href
                for double, single in _HREF.findall(self.submission.body_html)
                for href in (double or single,)
            ]
        return self._hrefs


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _quoted(items: Sequence[str]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _premoderated(check: _Check) -> _Finding | None:
    if check.submission.story_premoderated:
        return Decision.hold, "held: the story is pre-moderated"
    return None


def _listed_words(
    check: _Check, words: list[str], decision: Decision, verb: str, kind: str
) -> _Finding | None:
    if not words:
        return None
    word_list = _word_list(tuple(words))
    found, where = word_list.find(check.body), ""
    if not found and check.submission.name:  # spam often rides in the name
        found, where = word_list.find(check.name), " in the name"
    if not found:
        return None
    return decision, f"{verb}: {kind}{'s' if len(found) > 1 else ''} {_quoted(found)}{where}"


def _banned_words(check: _Check) -> _Finding | None:
    words = check.config.banned_words
    return _listed_words(check, words, Decision.reject, "rejected", "banned word")


def _suspect_words(check: _Check) -> _Finding | None:
    words = check.config.suspect_words
    return _listed_words(check, words, Decision.hold, "held", "suspect word")


def _blocked_domains(check: _Check) -> _Finding | None:
    index = _domain_index(tuple(check.config.blocked_domains))
    if not index:
        return None
    linked: list[str] = []
    for href in check.hrefs:
        host = _host(href)
        domain = _blocked(host, index) if host else None
        if domain is not None and domain not in linked:
            linked.append(domain)
    parts: list[str] = []
    if linked:
        plural = "s" if len(linked) > 1 else ""
        parts.append(f"link{plural} to blocked domain{plural} {_quoted(linked)}")
    website = check.submission.website
    host = _host(_as_url(website)) if website and website.strip() else None
    domain = _blocked(host, index) if host else None
    if domain is not None:
        parts.append(f'website on blocked domain "{domain}"')
    return (Decision.reject, "rejected: " + "; ".join(parts)) if parts else None


def _links(check: _Check) -> _Finding | None:
    count, limit = len(check.hrefs), check.config.links_max
    if count <= limit:
        return None
    return Decision.hold, f"held: {_counted(count, 'link')}, limit {limit}"


def _duplicate(check: _Check) -> _Finding | None:
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
    # Up to U+FFFF, for the reason given in _combining_marks; three times faster than str.isupper
    # called on each character.
    letters = "".join(chr(cp) for cp in range(0x80, 0x10000) if chr(cp).isupper())
    return re.compile(f"[A-Z{re.escape(letters)}]+")


def _count_lower(text: str) -> int:
    if text.isascii():
        return len(text.encode("ascii").translate(None, _NOT_LOWER_ASCII))
    return sum(map(str.islower, text))


def _shouting(check: _Check) -> _Finding | None:
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


def _first_comment(check: _Check) -> _Finding | None:
    submission = check.submission
    asked = check.config.first_comment_hold or submission.story_first_comment_hold
    if asked and submission.prior_comments <= 0:
        return Decision.hold, "held: first comment of a new commenter"
    return None


_CHECKS: dict[str, Callable[[_Check], _Finding | None]] = {
    "premoderated": _premoderated,
    "banned_words": _banned_words,
    "blocked_domains": _blocked_domains,
    "suspect_words": _suspect_words,
    "links": _links,
    "duplicate": _duplicate,
    "shouting": _shouting,
    "first_comment": _first_comment,
}
