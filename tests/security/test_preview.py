"""Does not apply yet: a Markdown preview (SECURITY.md A6).

Why: there is no preview endpoint: the comment form shows nothing rendered before posting.

When the issue that adds a comment or story preview lands, this file gets:

- the preview answers with the server sanitizer's HTML (markdown.render_comment), never
  the client's: the corpus through it, the oracle on the answer and on the preview pane,
  signed in as staff (the Discourse lesson: staff previews are the sharpest target).
"""

from __future__ import annotations

import pytest

ISSUE = "the issue that adds a comment or story preview"


@pytest.mark.skip(reason=f"does not apply yet: waits for {ISSUE}")
def test_waits_for_the_feature() -> None:
    """Replaced by the plan above when the feature exists."""
