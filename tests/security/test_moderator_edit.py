"""Does not apply yet: moderator edits of a reader's comment (SECURITY.md A2, part 1 I3).

Why: staff can approve, reject, ban and feature, but not change a comment's text.

When the issue that lets moderators edit comments lands, this file gets:

- the corpus through the moderator edit (form and staff API), and the oracle on the
  story page, the API, the feeds, the live ``edit`` event and the queue, as
  test_comment_paths.py does for the author's edit.
"""

from __future__ import annotations

import pytest

ISSUE = "the issue that lets moderators edit comments"


@pytest.mark.skip(reason=f"does not apply yet: waits for {ISSUE}")
def test_waits_for_the_feature() -> None:
    """Replaced by the plan above when the feature exists."""
