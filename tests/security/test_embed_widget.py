"""Does not apply yet: the embeddable widget (SECURITY.md A8, A1's widget surface, A12's widget
frame-ancestors, part 1 R8, U3).

Why: there is no embed.js, no widget and no postMessage; every page answers frame-ancestors
'none' (test_headers).

When the issue that adds embed.js and count.js (DESIGN.md: embed/) lands, this file gets:

- the widget on a second test origin (127.0.0.2): postMessage from a third origin ignored;
  hostile window.name, #fragment and data-* values never reach an HTML or CSS sink;
- the oracle on the widget's shadow DOM after rendering the corpus thread;
- widget frame-ancestors equal to TRIBUNE_ALLOWED_ORIGINS; CORS only for those origins,
  never ``*`` with credentials, Vary: Origin.
"""

from __future__ import annotations

import pytest

ISSUE = "the issue that adds embed.js and count.js (DESIGN.md: embed/)"


@pytest.mark.skip(reason=f"does not apply yet: waits for {ISSUE}")
def test_waits_for_the_feature() -> None:
    """Replaced by the plan above when the feature exists."""
