"""Text normalization and word matching for the moderation rules.

Word lists match whole words after ``normalize``: case and accents folded, look-alike characters
read as letters (``sp@m``, ``1d10t``), stretched letters shrunk (``spaaaam``). Characters spaced
out one by one with single separators (``s p a m``, ``s.p.@.m``) match only when, joined, they are
exactly a listed word or phrase (a leading "a" or "i" may be a word of its own: ``a s p a m``), so
``a s s e s s m e n t`` does not match ``ass``. ``spammer`` does not match ``spam`` and ``class``
does not match ``ass``: list plurals and other forms as words of their own.

This runs on every new or edited comment, so the per-character work is done by
``bytes.translate``, ``split`` and set intersections rather than Python loops, and each word list
is prepared once and cached.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import unicodedata
from dataclasses import dataclass

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
class Text:
    """One field's text, normalized once and shared by the word rules."""

    padded: str  # the normalized words with a space at each end, for phrase searches
    words: frozenset[str]
    stretched: frozenset[str]  # every reading of the words with stretched letters
    spaced: frozenset[str]  # every reading of the runs of spaced-out characters, joined


def prepare(text: str) -> Text:
    """The text ready for ``WordList.find``: normalized, with every reading of its stretched
    letters and spaced-out runs."""
    runs: list[str] = []
    normal, stretched = _normalize_folded(_fold(text), runs)
    return Text(
        f" {normal} ",
        frozenset(normal.split()),
        frozenset[str]().union(*map(_readings, stretched)),
        frozenset[str]().union(*map(_spaced_readings, runs)),
    )


# Names come back with every comment their owner posts.
prepare_name = functools.lru_cache(maxsize=1024)(prepare)


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

    def found_in(self, text: Text) -> bool:
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
class WordList:
    """A list of words and phrases, normalized once for matching."""

    words: tuple[str, ...]  # as staff spelled them, for the reasons
    singles: dict[str, int]  # normalized one-word entry -> index
    phrases: tuple[_Phrase, ...]
    joined: dict[str, int]  # normalized entry without spaces -> index, for spaced-out runs

    def find(self, text: Text) -> list[str]:
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
def word_list(words: tuple[str, ...]) -> WordList:
    """The word list for these entries; a tuple, so the same list is prepared only once."""
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
    return WordList(words, singles, tuple(phrases), joined)
