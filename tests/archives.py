"""Generated WordPress exports of any size, for the import tests and `make bench`."""

from __future__ import annotations

import random
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = [
    *("harbour", "council", "ceasefire", "border", "summit", "minister", "envoy", "treaty"),
    *("ballot", "river", "bridge", "market", "winter", "railway", "harvest", "election"),
    *("coast", "mayor", "festival", "museum", "budget", "school", "hospital", "tunnel"),
    *("airport", "forest", "strike", "orchestra", "library", "stadium"),
]
HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Bench</title>
"""


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def write_export(path: Path, posts: int, comments: int) -> int:
    """A WXR file of ``posts`` posts sharing ``comments`` comments; returns its size."""
    rng = random.Random(15)
    per_post = max(1, comments // posts)
    number = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for post in range(posts):
            out.write(
                f"<item><title>Post {post}: {escape(sentence(rng, 6))}</title>"
                f"<link>https://blog.example/{post}/</link><wp:post_id>{post + 1}</wp:post_id>"
                "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
                "<wp:post_date_gmt>2026-01-01 00:00:00</wp:post_date_gmt>"
                f"<content:encoded><![CDATA[<p>{sentence(rng, 80)}</p>]]></content:encoded>\n"
            )
            first = number + 1
            for _ in range(per_post):
                number += 1
                parent = (
                    rng.randrange(first, number) if number > first and rng.random() < 0.5 else 0
                )
                body = " ".join(sentence(rng, 14) for _ in range(7))
                out.write(
                    f"<wp:comment><wp:comment_id>{number}</wp:comment_id>"
                    f"<wp:comment_author>Reader {number % 5000}</wp:comment_author>"
                    f"<wp:comment_author_email>r{number % 5000}@example.org"
                    "</wp:comment_author_email>"
                    "<wp:comment_date_gmt>2026-01-02 00:00:00</wp:comment_date_gmt>"
                    f"<wp:comment_content><![CDATA[{body} #{number}]]></wp:comment_content>"
                    "<wp:comment_approved>1</wp:comment_approved>"
                    f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel></rss>\n")
    return path.stat().st_size
