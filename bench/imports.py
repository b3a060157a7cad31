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
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.archives import write_export
from tests.server import TRIBUNE, tribune_env

RESULTS = Path(__file__).resolve().parent / "results"


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
