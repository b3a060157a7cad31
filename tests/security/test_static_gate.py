"""The static gate (SECURITY.md F45, B22): what the source must never do, read from src/.

- ``|safe`` only on what the sanitizer made (``*body_html``) and the pre-rendered thread
  fragment; no ``Markup(`` in Python;
- XML is only written (feeds), never parsed with the standard library's parsers (the
  importers to come parse with defusedxml);
- no outbound HTTP client or mail library anywhere (an SSRF guard comes with the first);
- secrets and tokens are compared with hmac.compare_digest, never with ``==`` (sessions
  are looked up in SQL by a hash of their token, which leaks nothing of it).
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "tribune"
SAFE_VALUES = re.compile(r"\{\{\s*([\w.]+)\s*\|\s*safe\s*\}\}")
# site.footer_html: the admin's footer text through markdown.render_comment (identity.build).
# preview: a draft through markdown.render_comment (comments/service.render_preview).
# snippet_html: search snippets, every character of the text escaped and only <mark> added
# (stories/search.snippet_html; tests/api/test_search.py sends it markup).
ALLOWED_SAFE = re.compile(
    r"(\w+\.)*(body_html|parent_body_html|snippet_html)|thread_html|site\.footer_html|preview"
)


def _sources(pattern: str) -> list[tuple[str, int, str]]:
    return [
        (str(path.relative_to(SRC)), number, line)
        for path in sorted(SRC.rglob(pattern))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
    ]


def test_only_sanitized_html_is_marked_safe() -> None:
    found = []
    for where, number, line in _sources("*.html"):
        if "|safe" in line.replace(" ", "") or "|safe" in line:
            for value in SAFE_VALUES.findall(line):
                if not ALLOWED_SAFE.fullmatch(value):
                    found.append(f"{where}:{number}: {value}|safe")
            if not SAFE_VALUES.search(line):
                found.append(f"{where}:{number}: |safe on an expression: {line.strip()}")
        if "autoescape false" in line:
            found.append(f"{where}:{number}: autoescape turned off")
    for where, number, line in _sources("*.py"):
        if re.search(r"\bMarkup\(|autoescape\s*=\s*False", line):
            found.append(f"{where}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_xml_is_never_parsed_with_the_standard_library() -> None:
    parsers = re.compile(
        r"\b(ET|ElementTree|etree|minidom|expatbuilder|pulldom|sax|expat)\."
        r"(fromstring|parse|iterparse|XMLParser|XML|parseString|make_parser|ParserCreate)\b"
        r"|import (xml\.sax|xml\.dom|lxml|xml\.parsers)"
    )
    found = [
        f"{where}:{number}: {line.strip()}"
        for where, number, line in _sources("*.py")
        if parsers.search(line)
    ]
    assert not found, "\n".join(found)


def test_no_outbound_requests_or_mail() -> None:
    clients = re.compile(
        r"^\s*(import|from)\s+(httpx|requests|urllib\.request|urllib3|aiohttp|http\.client"
        r"|smtplib|aiosmtplib|pycurl)\b"
        r"|urlopen\("
    )
    found = [
        f"{where}:{number}: {line.strip()}"
        for where, number, line in _sources("*.py")
        if clients.search(line)
    ]
    assert not found, "\n".join(found)


def test_secrets_are_compared_in_constant_time() -> None:
    compared = re.compile(r"(token|secret|password|signature)\w*\s*(==|!=)\s*\w", re.I)
    found = [
        f"{where}:{number}: {line.strip()}"
        for where, number, line in _sources("*.py")
        # A column expression (".c.") is SQL looking a session up by its token's hash.
        if compared.search(line) and ".c." not in line
    ]
    assert not found, "\n".join(found)
    assert "hmac.compare_digest" in (SRC / "web" / "security.py").read_text()
