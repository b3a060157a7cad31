"""Word matching: the hits and the near misses it must leave alone, as the banned and suspect
word rules report them; normalize and fingerprint; word lists and prepared texts directly."""

from __future__ import annotations

import pytest

from tests.unit.test_moderation_rules import reasons, verdicts
from tribune.moderation.rules import RuleConfig
from tribune.moderation.wording import fingerprint, normalize, prepare, prepare_name, word_list

# --- Banned and suspect words -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("SPAM", "spam"),
        ("Spam!", "spam"),
        ("Spám, anyone?", "spam"),
        ("s p a m", "spam"),
        ("s.p.a.m", "spam"),
        ("s-p-a-m", "spam"),
        ("s_p_a_m", "spam"),
        ("S P @ M", "spam"),
        ("sp@m", "spam"),
        ("$pam", "spam"),
        ("5pam", "spam"),
        ("sp4m", "spam"),
        ("spaaaam", "spam"),
        ("SPAAAAAAAAAM!!!", "spam"),
        ("you are a s p a m bot", "spam"),
        ("what an a$$", "ass"),
        ("you asssss", "ass"),
        ("buy now", "buy now"),
        ("Buy   NOW", "buy now"),
        ("buy... now!", "buy now"),
        ("buy-now", "buy now"),
        ("buy\nnow", "buy now"),
        ("b u y n o w", "buy now"),
        ("bûy nöw", "buy now"),
        ("casino-bonus", "casino bonus"),
        ("Cásino Bonus", "casino bonus"),
        ("buy folllowers", "buy followers"),
        ("𝐒𝐏𝐀𝐌", "spam"),  # mathematical bold letters
        ("ｓｐａｍ", "spam"),  # full-width letters
    ],
)
def test_banned_word_hits(body: str, word: str) -> None:
    assert reasons(body) == [f'rejected: banned word "{word}"']


@pytest.mark.parametrize(
    "body",
    [
        "spammer",
        "spams",
        "spamspam",
        "sp am",
        "class",
        "bass",
        "as",
        "assessment",
        "a s s e s s m e n t",
        "s p a m m e r",
        "a s",
        "buy it now",
        "now buy",
        "buyers now",
        "casino",
        "bonus casino",
        "Hello!! Is it 2024? $5, 10 spades and 7 aces.",
    ],
)
def test_banned_word_near_misses(body: str) -> None:
    assert verdicts(body) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Idiót.", 'held: suspect word "idiot"'),
        ("1diot", 'held: suspect word "idiot"'),
        ("id10t", 'held: suspect word "idiot"'),
        ("!d!ot", 'held: suspect word "idiot"'),
        ("I D I O T", 'held: suspect word "idiot"'),
        ("iiidiooooot", 'held: suspect word "idiot"'),
        ("m0r0n and idiot", 'held: suspect words "idiot", "moron"'),
    ],
)
def test_suspect_word_hits(body: str, reason: str) -> None:
    assert reasons(body) == [reason]


def test_default_suspect_words_list_each_form() -> None:
    assert reasons("You MORONS.", RuleConfig()) == ['held: suspect word "morons"']
    assert reasons("What a m0r0n", RuleConfig()) == ['held: suspect word "moron"']


def test_reasons_name_every_listed_word_found_as_the_list_spells_it() -> None:
    config = RuleConfig(banned_words=["Spam", "ASS", "buy now"], suspect_words=[])
    assert reasons("buy now, a$$, SPAM", config) == [
        'rejected: banned words "Spam", "ASS", "buy now"'
    ]


def test_words_in_the_name_count_and_the_reason_says_so() -> None:
    assert reasons(name="Casino Bonus King") == ['rejected: banned word "casino bonus" in the name']
    assert reasons(name="Mr Moron") == ['held: suspect word "moron" in the name']
    assert reasons(name="Ana Spamford") == []


def test_empty_word_lists_fire_nothing() -> None:
    config = RuleConfig(banned_words=[], suspect_words=[])
    assert verdicts("spam idiot", config) == []


def test_a_list_changed_in_place_is_read_afresh() -> None:
    config = RuleConfig(banned_words=["spam"], suspect_words=[])
    assert reasons("eggs", config) == []
    config.banned_words.append("eggs")
    assert reasons("eggs", config) == ['rejected: banned word "eggs"']


def test_a_word_list_finds_entries_in_list_order_as_spelled_and_once() -> None:
    words = word_list(("Spam", "SPAM", "buy now", "ass"))
    assert words.find(prepare("a$$ and b u y n o w, spaaam")) == ["Spam", "buy now", "ass"]
    assert words.find(prepare("class assessment")) == []
    assert word_list(("Spam", "SPAM", "buy now", "ass")) is words  # prepared once


def test_names_are_prepared_like_bodies_and_once() -> None:
    assert prepare_name("Mr M0ron") == prepare("Mr M0ron")
    assert prepare_name("Mr M0ron") is prepare_name("Mr M0ron")


# --- normalize and fingerprint ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Idiót!", "idiot"),
        ("sp@m $pam 5pam sp4m", "spam spam spam spam"),
        ("1diot id10t h3ll0 7ax", "idiot idiot hello tax"),
        ("Spaaaaam", "spaaam"),
        ("Hello!!  It's 2024, costing $5.", "hello it s 2024 costing 5"),
        ("s.p.a.m", "s p a m"),
        ("Straße", "strasse"),
        ("ＦＵＬＬ width ﬁne", "full width fine"),
        ("“Quoted” — dash 👍 emoji", "quoted dash emoji"),
        ("1,000,000 and 007", "1 000 000 and 007"),
        ("Мииир, Ёлка", "мииир елка"),
        ("snake_case and kebab-case", "snake case and kebab case"),
        ("spa\U0001d167m", "spam"),  # a combining mark beyond U+FFFF
        ("   \n\t ", ""),
        ("", ""),
    ],
)
def test_normalize(text: str, normal: str) -> None:
    assert normalize(text) == normal


def test_list_words_normalize_like_text() -> None:
    assert normalize("Buy  Now!") == normalize("buy now") == "buy now"
    assert normalize("ass") != normalize("as")


@pytest.mark.parametrize(
    "text",
    ["great  ARTICLE", "Great article 2", "Gréat árticle.", "  great\narticle!! 2024 "],
)
def test_fingerprint_ignores_case_accents_punctuation_spacing_and_numbers(text: str) -> None:
    assert fingerprint(text) == fingerprint("Great article!!!")


@pytest.mark.parametrize(
    "text", ["Great articles", "Article great", "Great", "Great article indeed", "Grate article"]
)
def test_fingerprint_tells_other_words_apart(text: str) -> None:
    assert fingerprint(text) != fingerprint("Great article!!!")


def test_fingerprint_is_a_short_stable_hex_digest() -> None:
    digest = fingerprint("Great article")
    assert len(digest) == 32
    int(digest, 16)
    assert fingerprint("Great article") == digest
    assert fingerprint("") == fingerprint("!!! 123") == fingerprint("   ")
    assert len(fingerprint("")) == 32
