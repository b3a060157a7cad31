"""Another process holding an SQLite database's write lock, as `tribune import`, a backup
script or another worker does, for the tests of what Tribune does meanwhile."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.read()
connection.execute("ROLLBACK")
"""


@contextmanager
def write_lock_held(path: Path | str) -> Iterator[None]:
    """The database's write lock, held by another process until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline() == b"held\n", "the lock holder did not start"
        yield
    finally:
        holder.stdin.close()  # the holder rolls back and exits
        holder.wait(10)
        holder.stdout.close()
