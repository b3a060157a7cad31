"""Jinja2 templates from every domain folder, and static files under content-hash URLs."""

from __future__ import annotations

import hashlib
import json
import math
import mimetypes
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, Template, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from tribune.shortlinks import short_path
from tribune.web.deps import settings_of, site_cache_of
from tribune.web.proxies import UntrustedForwarders, shown_peers
from tribune.web.security import csrf_token, set_csrf_cookie

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [
    PACKAGE / d / "templates"
    for d in (
        "web",
        "stories",
        "comments",
        "accounts",
        "moderation",
        "branding",
        "embed",
        "importers",
    )
]
STATIC_DIR = PACKAGE / "web" / "static"


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str
    digest: str


def load_static() -> dict[str, StaticFile]:
    files = {}
    for path in sorted(STATIC_DIR.iterdir()):
        if path.is_file():
            body = path.read_bytes()
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if media_type.startswith("text/") or media_type.endswith("javascript"):
                media_type += "; charset=utf-8"
            digest = hashlib.sha256(body).hexdigest()[:12]
            files[path.name] = StaticFile(body, media_type, digest)
    return files


STATIC = load_static()


def static_url(name: str) -> str:
    return f"/static/{STATIC[name].digest}/{name}"


def format_time(value: datetime) -> str:
    return value.strftime("%-d %b %Y, %H:%M UTC")


def iso_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def minutes_left(until: datetime) -> int:
    """Whole minutes from now until a moment, rounded up (a minute and a half left: 2)."""
    return max(0, math.ceil((until - datetime.now(UTC)).total_seconds() / 60))


def display_url(url: str, limit: int = 40) -> str:
    """A link's address as readers scan it: no scheme or www., long ones shortened."""
    text = url.split("://", 1)[-1].removeprefix("www.").rstrip("/")
    if len(text) > limit:
        text = text.split("?", 1)[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def host(url: str) -> str:
    """The host a link leads to, as readers know it: "youtube.com" for www.youtube.com."""
    return (urlsplit(url).hostname or "").removeprefix("www.")


def script_json(value: Any, **options: Any) -> str:
    """JSON for ``|tojson`` inside a ``<script type="application/ld+json">`` data block: Jinja
    then writes < > & ' as \\u escapes (no ``</script>`` or ``<!--`` can appear), and this
    writes the backtick as one too, since HtmlTemplate rewrites every raw one, which inside a
    script would change the data. ASCII only: a lone surrogate stays an escape."""
    return json.dumps(value, ensure_ascii=True, **options).replace("`", "\\u0060")


def label(text: str) -> str:
    """Text that introduces a link: a colon, unless it already ends in punctuation."""
    return text if text[-1:] in "!?:." else text + ":"


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"


class HtmlTemplate(Template):
    """A template whose output has every backtick written as ``&#96;``.

    Autoescaping escapes & < > " ' but not `, which old browsers took as an attribute
    quote: a website ``https://x/`onmouseover=...`` reached ``href="..."`` raw. Escaping it
    per value (Environment.finalize) doubled the render time of a 200-comment thread page;
    one replace over the finished page costs about 1% and covers every value, the
    ``|safe`` HTML included. It is exact because ``&#96;`` reads as ` wherever our HTML can
    hold one (text, attribute values, textarea and title), and the templates have no
    inline script or style, the only places where it would not (a test keeps it so).
    """

    def render(self, *args: Any, **kwargs: Any) -> str:
        return super().render(*args, **kwargs).replace("`", "&#96;")


def forwarded_peers(request: Request) -> dict[str, Any] | None:
    """For the staff pages' warning: the peers lately sending X-Forwarded-For untrusted."""
    watch: UntrustedForwarders | None = getattr(request.app.state, "untrusted_forwarders", None)
    if watch is None:
        return None
    named, public = shown_peers(watch)
    return {"named": named, "public": public} if named or public else None


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS]),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.template_class = HtmlTemplate
    env.globals["static_url"] = static_url
    env.globals["slot"] = lambda *key: ""  # a shared story page marks its slots (comments/pages.py)
    env.globals["forwarded_peers"] = forwarded_peers
    env.globals["short_path"] = short_path
    env.filters["when"] = format_time
    env.filters["iso"] = iso_time
    env.filters["plural"] = plural
    env.filters["minutes_left"] = minutes_left
    env.filters["display_url"] = display_url
    env.filters["label"] = label
    env.filters["host"] = host
    env.policies["json.dumps_function"] = script_json
    env.policies["json.dumps_kwargs"] = {"separators": (",", ":")}
    return env


ENV = _environment()


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    html = render_text(request, template, context)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def render_text(request: Request, template: str, context: dict[str, Any]) -> str:
    """A page as text, with what every page's template reads (the site, its base URL)."""
    return ENV.get_template(template).render(
        {
            "request": request,
            "base_url": settings_of(request).base_url,
            "site": site_cache_of(request).current,
            **context,
        }
    )


def render_form(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    """A page holding forms: the reader's CSRF token in its context, and in a cookie when the
    reader had none yet."""
    response = render(
        request, template, {"csrf_token": csrf_token(request), **context}, status_code=status_code
    )
    set_csrf_cookie(request, response)
    return response
