"""Does not apply yet: e-mail: reply notifications, confirmations, emailed moderation links
(SECURITY.md A9, A10, B17, F42, part 1 R7, U2).

Why: there is no mail: no SMTP setting, no notify/ package, no link sent anywhere
(test_static_gate keeps mail libraries out of src/).

When the issue that adds notify/ (TRIBUNE_SMTP_URL, TRIBUNE_MAIL_FROM) lands, this file
gets:

- the corpus as body, name and website of a reply that triggers a notification, captured
  with aiosmtpd: plain text, or sanitized HTML with no user <a>/<img>; Subject and From
  without CR/LF; exactly one To; ``{{7*7}}`` literal;
- emailed links: GET shows a confirmation and changes nothing (a link scanner GETs every
  link), POST acts once, replay and expiry refused, tokens bound to comment and action and
  carrying no personal data;
- SMTP down or slow: the comment is still accepted, mail queued and retried, never twice.
"""

from __future__ import annotations

import pytest

ISSUE = "the issue that adds notify/ (TRIBUNE_SMTP_URL, TRIBUNE_MAIL_FROM)"


@pytest.mark.skip(reason=f"does not apply yet: waits for {ISSUE}")
def test_waits_for_the_feature() -> None:
    """Replaced by the plan above when the feature exists."""
