"""Does not apply yet: the Disqus import, and the rest of the WXR import's plan (SECURITY.md
A2, D25, D26, D27, D28).

Why: the WXR importer exists (``tribune import wxr``), and its entity-expansion and
external-entity files are refused with nothing stored (tests/storage/test_import_wxr.py);
the Disqus importer and the rest of the plan below do not exist yet (test_static_gate keeps
stdlib XML parsing out of src/).

When the issue that adds the WXR/Disqus importers (DESIGN.md: importers/ wxr, disqus) lands,
this file gets:

- billion laughs and quadratic blowup: refused within 1 s by defusedxml (EntitiesForbidden),
  memory growth under 50 MB, zero rows imported (one transaction);
- XXE: an external general entity on ``file:///etc/hostname``, a parameter entity, an
  external DTD pointed at a local canary listener: refused, no file content stored, zero
  canary hits;
- hostile well-formed exports: the corpus (tests/security/corpus.py) as comment_content,
  author, author_url and author_email, CRLF in e-mails, parent cycles and parents on other
  stories, duplicate ids, dates like 0000-00-00 or 10^12: every field through the comment
  validators, the oracle on every surface as in test_import_paths.py;
- size and compression: over the cap → refused; a gzip bomb capped on decompressed size
  and ratio; streaming parse (iterparse + clear) with bounded memory.
"""

from __future__ import annotations

import pytest

ISSUE = "the issue that adds the WXR/Disqus importers (DESIGN.md: importers/ wxr, disqus)"


@pytest.mark.skip(reason=f"does not apply yet: waits for {ISSUE}")
def test_waits_for_the_feature() -> None:
    """Replaced by the plan above when the feature exists."""
