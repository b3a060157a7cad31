"""Does not apply yet: server-side fetches (SECURITY.md C23, part 1 R2, R3, C1, T2, W5).

Why: Tribune fetches nothing: no link titles, avatars, oEmbed or import by URL
(test_static_gate keeps HTTP clients out of src/).

When the first issue that makes the server fetch a URL lands, this file gets:

- every fetch pointed at 127.0.0.1, [::1], 169.254.169.254, 10.0.0.1, 0.0.0.0, decimal,
  hex and octal IPv4 forms, [::ffff:127.0.0.1], a name resolving to 127.0.0.1 and a
  redirect to it, gopher: and file: → no connection to a local canary listener (checked on
  the resolved address at connect time, on every redirect hop), a generic error;
- size, time and redirect caps.
"""

from __future__ import annotations

import pytest

ISSUE = "the first issue that makes the server fetch a URL"


@pytest.mark.skip(reason=f"does not apply yet: waits for {ISSUE}")
def test_waits_for_the_feature() -> None:
    """Replaced by the plan above when the feature exists."""
