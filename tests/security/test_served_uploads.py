"""Does not apply yet: an image proxy or uploads served from our origin (SECURITY.md C24, part
1 R1).

Why: Tribune serves no fetched or uploaded bytes; identicons are drawn on the server and
checked by the oracle (harness.identicons, test_rendering_fixes).

When the issue that adds uploads or an image proxy lands, this file gets:

- an upstream answering HTML or SVG labelled image/png, or 50 MB: refused, or served with an
  allowlisted image type, nosniff and ``Content-Security-Policy: sandbox; default-src
  'none'``, under a size cap; opened top-level, the oracle finds no script.
"""

from __future__ import annotations

import pytest

ISSUE = "the issue that adds uploads or an image proxy"


@pytest.mark.skip(reason=f"does not apply yet: waits for {ISSUE}")
def test_waits_for_the_feature() -> None:
    """Replaced by the plan above when the feature exists."""
