"""Does not apply yet: an HTTP import endpoint (SECURITY.md D29).

Why: importing is a command (``tribune import page``), not a route: no upload reaches the
server.

When the issue that adds imports to the staff pages (DESIGN.md: /admin/ imports) lands, this
file gets:

- admin only (moderators, editors and readers refused), CSRF-protected, the uploaded file
  name never used as a path (``../../x``), the same caps and parser as the CLI.
"""

from __future__ import annotations

import pytest

ISSUE = "the issue that adds imports to the staff pages (DESIGN.md: /admin/ imports)"


@pytest.mark.skip(reason=f"does not apply yet: waits for {ISSUE}")
def test_waits_for_the_feature() -> None:
    """Replaced by the plan above when the feature exists."""
