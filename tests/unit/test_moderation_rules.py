"""The comment moderation rules: the registry, each rule's verdict and exact reason, evaluate,
check_one and outcome, and RuleConfig validation. Word matching is tested in test_wording.py,
links and domains in test_links.py."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tribune.moderation.rules import (
    BY_NAME,
    DEFAULT_BANNED_WORDS,
    DEFAULT_SUSPECT_WORDS,
    RULES,
    Decision,
    RuleConfig,
    Submission,
    Verdict,
    check_one,
    evaluate,
    outcome,
)

CONFIG = RuleConfig(
    banned_words=["spam", "ass", "buy now", "casino bonus", "buy followers"],
    suspect_words=["idiot", "moron"],
    blocked_domains=["example.com"],
)
ORDINARY = "I disagree with the mayor's plan, but thanks for reporting it so carefully."
NAMES = [rule.name for rule in RULES]


def link(href: str, text: str = "source") -> str:
    return f'<a href="{href}" rel="nofollow noopener">{text}</a>'


def submission(body: str = ORDINARY, **fields: Any) -> Submission:
    fields.setdefault("name", "Ana")
    fields.setdefault("body_html", f"<p>{body}</p>")
    return Submission(body=body, **fields)


def verdicts(body: str = ORDINARY, config: RuleConfig = CONFIG, **fields: Any) -> list[Verdict]:
    return evaluate(submission(body, **fields), config)


def reasons(body: str = ORDINARY, config: RuleConfig = CONFIG, **fields: Any) -> list[str]:
    return [verdict.reason for verdict in verdicts(body, config, **fields)]


# --- The rule set -----------------------------------------------------------------------------


def test_rule_names_are_unique_and_every_rule_is_titled() -> None:
    assert len(set(NAMES)) == len(NAMES)
    assert all(name.isidentifier() for name in NAMES)  # they go into URLs and JSON as they are
    assert all(rule.title.strip() for rule in RULES)
    assert [BY_NAME[name] for name in NAMES] == list(RULES)


def test_decisions_are_ordered_by_severity() -> None:
    assert [decision.severity for decision in Decision] == [0, 1, 2]
    assert [str(decision) for decision in Decision] == ["approve", "hold", "reject"]


# One submission per rule that fires that rule and no other.
FIRES = [
    pytest.param(
        "premoderated",
        {"story_premoderated": True},
        CONFIG,
        Decision.hold,
        "held: the story is pre-moderated",
        id="premoderated",
    ),
    pytest.param(
        "banned_words",
        {"body": "Cheap SPAM here"},
        CONFIG,
        Decision.reject,
        'rejected: banned word "spam"',
        id="banned_words",
    ),
    pytest.param(
        "blocked_domains",
        {"body_html": "<p>See " + link("https://news.example.com/a?b=1&amp;c=2") + "</p>"},
        CONFIG,
        Decision.reject,
        'rejected: link to blocked domain "example.com"',
        id="blocked_domains",
    ),
    pytest.param(
        "suspect_words",
        {"body": "Only an idiot would vote for this."},
        CONFIG,
        Decision.hold,
        'held: suspect word "idiot"',
        id="suspect_words",
    ),
    pytest.param(
        "links",
        {"body_html": "".join(link(f"https://example.org/{n}") for n in range(3))},
        CONFIG,
        Decision.hold,
        "held: 3 links, limit 2",
        id="links",
    ),
    pytest.param(
        "duplicate",
        {"is_duplicate": True},
        CONFIG,
        Decision.hold,
        "held: the same text was posted in the last 60 minutes",
        id="duplicate",
    ),
    pytest.param(
        "shouting",
        {"body": "THE COUNCIL LIED TO EVERYONE AGAIN, sadly"},
        CONFIG,
        Decision.hold,
        "held: 85% capital letters",
        id="shouting",
    ),
    pytest.param(
        "first_comment",
        {},
        CONFIG.model_copy(update={"first_comment_hold": True}),
        Decision.hold,
        "held: first comment of a new commenter",
        id="first_comment",
    ),
    pytest.param(
        "surge",
        {"story_recent": 61},
        CONFIG,
        Decision.hold,
        "held: surge: 61 comments in a minute",
        id="surge",
    ),
    pytest.param(
        "reports",
        {"reports": 3},
        CONFIG,
        Decision.hold,
        "held: 3 reader reports",
        id="reports",
    ),
]


def test_every_rule_has_a_case_that_fires_it() -> None:
    assert [case.values[0] for case in FIRES] == NAMES


@pytest.mark.parametrize(("rule", "fields", "config", "decision", "reason"), FIRES)
def test_each_rule_fires_with_its_reason(
    rule: str, fields: dict[str, Any], config: RuleConfig, decision: Decision, reason: str
) -> None:
    assert evaluate(submission(**fields), config) == [Verdict(rule, decision, reason)]
    assert check_one(rule, submission(**fields), config) == Verdict(rule, decision, reason)


@pytest.mark.parametrize(("rule", "fields", "config", "decision", "reason"), FIRES)
def test_a_disabled_rule_never_fires(
    rule: str, fields: dict[str, Any], config: RuleConfig, decision: Decision, reason: str
) -> None:
    disabled = config.model_copy(update={"disabled": [rule]})
    assert evaluate(submission(**fields), disabled) == []
    assert check_one(rule, submission(**fields), disabled) is None


@pytest.mark.parametrize(
    "body",
    [
        ORDINARY,
        "The senator's immigration bill is a disgrace and the party should be ashamed of it.",
        "Class assessment: the assassin's passage was a classic, says the embassy.",
        "Is this a spammer's trick? Spamming is rare here; spams are not.",
        "U.S. and U.K. leaders met at 10 a.m. on Friday; 1,000,000 people watched.",
        "Hmmm, sooo good! I'm in Málaga now, and the café is open 24/7.",
        "Buying now would be a mistake: buy later, now is too soon. The bonus? A casino.",
        "Moronic? No: the idiotic plan had smart people behind it.",
        "| column | value |\n|---|---|\n| 2024 | $5 |",
        "",
    ],
)
def test_ordinary_text_fires_nothing(body: str) -> None:
    assert verdicts(body) == []
    assert verdicts(body, RuleConfig()) == []
    assert outcome(verdicts(body)) is Decision.approve


def test_every_rule_that_fires_reports_in_rule_order() -> None:
    found = verdicts(
        "BUY NOW, YOU IDIOT, AND SHARE THE LINK",
        body_html=link("https://example.com/x") + link("https://a.test") + link("https://b.test"),
        is_duplicate=True,
        story_premoderated=True,
    )
    assert [verdict.rule for verdict in found] == [
        "premoderated",
        "banned_words",
        "blocked_domains",
        "suspect_words",
        "links",
        "duplicate",
        "shouting",
    ]
    assert outcome(found) is Decision.reject


def test_evaluate_reports_in_registry_order_as_check_one_finds() -> None:
    fired = submission(
        "BUY NOW, YOU IDIOT, AND SHARE THE LINK",
        body_html=link("https://example.com/x") + link("https://a.test") + link("https://b.test"),
        is_duplicate=True,
        story_premoderated=True,
        reports=3,
        story_recent=61,
    )
    config = CONFIG.model_copy(update={"first_comment_hold": True})
    found = evaluate(fired, config)
    assert [verdict.rule for verdict in found] == NAMES  # every rule, so the whole order counts
    assert found == [check_one(name, fired, config) for name in NAMES]


def test_check_one_is_none_when_the_rule_finds_nothing_and_refuses_unknown_names() -> None:
    assert check_one("banned_words", submission(), CONFIG) is None
    with pytest.raises(KeyError):
        check_one("spelling", submission(), CONFIG)


@pytest.mark.parametrize(
    ("reports", "reports_to_hide", "reason"),
    [
        (3, 3, "held: 3 reader reports"),
        (5, 3, "held: 5 reader reports"),
        (1, 1, "held: 1 reader reports"),
        (2, 3, None),
        (0, 3, None),  # a new comment: screening never fires this rule
        (10, 0, None),  # 0 turns hiding off
        (0, 0, None),
    ],
)
def test_reports_hold_from_the_configured_threshold(
    reports: int, reports_to_hide: int, reason: str | None
) -> None:
    config = CONFIG.model_copy(update={"reports_to_hide": reports_to_hide})
    expected = Verdict("reports", Decision.hold, reason) if reason else None
    assert check_one("reports", submission(reports=reports), config) == expected
    assert evaluate(submission(reports=reports), config) == ([expected] if expected else [])


def test_outcome_is_the_most_severe_decision() -> None:
    hold = Verdict("links", Decision.hold, "held: 3 links, limit 2")
    reject = Verdict("banned_words", Decision.reject, 'rejected: banned word "spam"')
    approve = Verdict("custom", Decision.approve, "approved")
    assert outcome([]) is Decision.approve
    assert outcome([approve]) is Decision.approve
    assert outcome([approve, hold]) is Decision.hold
    assert outcome([hold, reject, hold]) is Decision.reject
    assert outcome((reject,)) is Decision.reject


def test_all_rules_disabled_fire_nothing() -> None:
    config = CONFIG.model_copy(update={"disabled": NAMES, "first_comment_hold": True})
    assert verdicts("SPAM SPAM SPAM FROM AN IDIOT", config, is_duplicate=True, reports=3) == []


# --- Duplicates, shouting, first comments -----------------------------------------------------


def test_duplicate_reason_gives_the_configured_window() -> None:
    config = CONFIG.model_copy(update={"duplicate_minutes": 1})
    assert reasons(config=config, is_duplicate=True) == [
        "held: the same text was posted in the last 1 minute"
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("STOP IT NOW", None),  # 9 letters: too short to be shouting
        ("ENOUGH IS ENOUGH, resign", None),  # exactly 70%: not above it
        ("ENOUGH IS ENOUGH, RESIGN now", "held: 86% capital letters"),
        ("ABCDEFGHIJKLMNO abcde", "held: 75% capital letters"),
        ("WHY?! 2024, 2025, 2026 AND STILL NOTHING FROM THEM!!!", "held: 100% capital letters"),
        ("I AM 100% SURE. 1 2 3 4 5 6 7 8 9 0 1 2 3", None),  # 11 letters; digits do not count
        ("ГОЛОСУЙТЕ ПРОТИВ ЭТОГО ПЛАНА", "held: 100% capital letters"),
        ("ΟΧΙ ΣΤΟ ΣΧΕΔΙΟ ΤΟΥ ΔΗΜΑΡΧΟΥ τωρα", "held: 85% capital letters"),
        ("𝐓𝐇𝐈𝐒 𝐈𝐒 𝐀 𝐕𝐄𝐑𝐘 𝐋𝐎𝐔𝐃 𝐂𝐎𝐌𝐌𝐄𝐍𝐓", "held: 100% capital letters"),
        ("市议会的决定令人失望，我们需要更多的透明度和公开的辩论。" * 3, None),  # no case
        ("Mostly Calm Text With Capitalised Words In Every Title Case Spot", None),
    ],
)
def test_shouting(body: str, reason: str | None) -> None:
    assert reasons(body) == ([reason] if reason else [])


def test_shouting_thresholds_come_from_the_config() -> None:
    body = "STOP IT NOW"
    strict = CONFIG.model_copy(update={"shouting_min_letters": 5, "shouting_ratio": 0.5})
    assert reasons(body, strict) == ["held: 100% capital letters"]
    never = CONFIG.model_copy(update={"shouting_min_letters": 5, "shouting_ratio": 1.0})
    assert reasons(body, never) == []


def test_first_comment_holds_only_new_commenters_when_asked() -> None:
    held = ["held: first comment of a new commenter"]
    assert reasons(story_first_comment_hold=True) == held
    site_wide = CONFIG.model_copy(update={"first_comment_hold": True})
    assert reasons(config=site_wide) == held
    assert reasons(config=site_wide, prior_comments=1) == []
    assert reasons(story_first_comment_hold=True, prior_comments=4) == []
    assert reasons() == []


# --- RuleConfig -------------------------------------------------------------------------------


def test_default_config_turns_every_rule_on() -> None:
    config = RuleConfig()
    assert config.disabled == []
    assert config.blocked_domains == []
    assert config.banned_words == list(DEFAULT_BANNED_WORDS)
    assert config.suspect_words == list(DEFAULT_SUSPECT_WORDS)
    assert (config.links_max, config.duplicate_minutes) == (2, 60)
    assert (config.shouting_ratio, config.shouting_min_letters) == (0.7, 20)
    assert (config.first_comment_hold, config.reports_to_hide, config.rate_per_minute) == (
        False,
        3,
        5,
    )


def test_every_field_is_described_for_the_staff_ui() -> None:
    for name, field in RuleConfig.model_fields.items():
        assert field.description, name


def test_config_round_trips_through_json() -> None:
    config = RuleConfig(
        banned_words=["spam", "buy now"],
        suspect_words=["idiot"],
        links_max=0,
        blocked_domains=["example.com", "bücher.de"],
        duplicate_minutes=5,
        shouting_ratio=0.9,
        shouting_min_letters=0,
        first_comment_hold=True,
        reports_to_hide=1,
        rate_per_minute=2,
        disabled=["links", "shouting"],
    )
    assert RuleConfig.model_validate_json(config.model_dump_json()) == config
    assert RuleConfig.model_validate_json(RuleConfig().model_dump_json()) == RuleConfig()


@pytest.mark.parametrize(
    "fields",
    [
        {"links_max": -1},
        {"duplicate_minutes": -5},
        {"shouting_min_letters": -1},
        {"reports_to_hide": -1},
        {"rate_per_minute": -1},
        {"shouting_ratio": 0},
        {"shouting_ratio": -0.5},
        {"shouting_ratio": 1.01},
        {"banned_words": ["spam", "   "]},
        {"suspect_words": [""]},
        {"banned_words": ["!!!"]},
        {"blocked_domains": [" "]},
        {"blocked_domains": ["exa mple.com"]},
        {"blocked_domains": ["https://"]},
        {"disabled": ["spelling"]},
    ],
)
def test_config_refuses_invalid_values(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RuleConfig(**fields)


def test_config_refuses_unknown_rules_and_names_the_known_ones() -> None:
    with pytest.raises(ValidationError) as refused:
        RuleConfig(disabled=["nope"])
    assert "unknown rule 'nope'; the rules are " + ", ".join(NAMES) in str(refused.value)
    assert RuleConfig(disabled=["reports"]).disabled == ["reports"]
    description = RuleConfig.model_fields["disabled"].description
    assert description == "Rules turned off: " + ", ".join(NAMES) + "."


def test_config_validates_assignment() -> None:
    config = RuleConfig()
    with pytest.raises(ValidationError):
        config.links_max = -1
    config.shouting_ratio = 1
    assert config.shouting_ratio == 1


def test_config_cleans_words_and_domains() -> None:
    config = RuleConfig(
        banned_words=["  buy   now ", "Spam", "spam", "SP@M"],
        blocked_domains=[
            "https://WWW.Example.COM/path?q",
            "example.com",
            "*.spam.test",
            "Shop.Example.org:8080",
            "www.com",
        ],
        disabled=[" links", "links"],
    )
    assert config.banned_words == ["buy now", "Spam"]
    assert config.blocked_domains == ["example.com", "spam.test", "shop.example.org", "www.com"]
    assert config.disabled == ["links"]
