"""`make bench` scenario: a large WordPress export through `tribune import wxr`, for its peak
memory and its rate.

Writes a WXR file of generated posts, each with threaded comments (about 1 KB a comment,
so `--comments 1000000` makes some 1 GB), imports it into a fresh SQLite database with the
real command, and reads the command's peak resident memory from the kernel (the child's
ru_maxrss). Prints file size, rows, seconds, comments/s and peak MB, and writes JSON under
bench/results/. The importer reads the file twice, streamed, and holds one post at a time:
the peak should not grow with the file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.server import TRIBUNE, tribune_env

RESULTS = Path(__file__).resolve().parent / "results"
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
    rng = random.Random(15)  # noqa: S311  (bench text, not secrets)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=2_000)
    parser.add_argument("--comments", type=int, default=200_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tribune-bench-import-"))
    export = workdir / "export.xml"
    began = time.perf_counter()
    size = write_export(export, args.posts, args.comments)
    took = time.perf_counter() - began
    print(f"imports: wrote {size / 1e6:,.0f} MB ({args.posts:,} posts) in {took:.0f} s")
    env = tribune_env(f"sqlite:///{workdir / 'site.db'}") | {"TRIBUNE_DEMO": "0"}
    began = time.perf_counter()
    done = subprocess.run(  # noqa: S603  (our own command)
        [TRIBUNE, "import", "wxr", str(export)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if done.returncode != 0:
        sys.exit(f"the import failed:\n{done.stderr}")
    print(f"  {done.stdout.strip()}")
    rate = args.comments / seconds
    print(f"  {seconds:.0f} s, {rate:,.0f} comments/s, peak memory {peak_mb:,.0f} MB")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"imports-{time.strftime('%Y%m%d-%H%M%S')}.json"
    row = {"bytes": size, "posts": args.posts, "comments": args.comments, "seconds": seconds}
    out.write_text(json.dumps(row | {"comments_per_second": rate, "peak_mb": peak_mb}, indent=2))
    print(f"results: {out}")
    os.remove(export)


if __name__ == "__main__":
    main()
