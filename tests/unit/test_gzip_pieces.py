"""A shared page's gzip in pieces: a copy with spans replaced is a valid gzip stream of exactly
the new bytes, made again only where the spans fall, and about the size of one stream."""

from __future__ import annotations

import gzip
import random

from tribune.pagecache import PIECE, Pieces, compress


def page(comments: int) -> tuple[bytes, list[tuple[int, int]]]:
    """HTML-like text with a slot (a span that may be replaced) in each comment."""
    rng = random.Random(comments)
    parts, slots, at = [], [], 0
    for n in range(comments):
        words = " ".join(
            rng.choice(["news", "story", "vote", "reader", "Putin", "Syria"]) for _ in range(60)
        )
        text = f'<li id="c{n}"><p>{words}</p>'.encode()
        slot = f'<div class="actions"><button aria-pressed="false">{n}</button></div>'.encode()
        parts += [text, slot]
        at += len(text)
        slots.append((at, at + len(slot)))
        at += len(slot)
    return b"".join(parts), slots


def test_a_copy_with_spans_replaced_is_exactly_its_bytes() -> None:
    body, slots = page(300)
    pieces = Pieces(body, (start for start, _ in slots))
    assert len(pieces.spans) > 2  # cut where slots begin, at least PIECE apart
    assert all(b - a >= PIECE for a, b in pieces.spans)
    assert gzip.decompress(pieces.gzip(body, [])) == body
    rng = random.Random(7)
    for count in (1, 3, 40):
        chosen = sorted(rng.sample(slots, count))
        edits = [
            (span, b'<div class="actions" data-mine="%d">&#96;</div>' % n)
            for n, span in enumerate(chosen)
        ]
        parts, at = [], 0
        for (start, end), made in edits:
            parts += [body[at:start], made]
            at = end
        expected = b"".join([*parts, body[at:]])
        assert gzip.decompress(pieces.gzip(body, edits)) == expected


def test_pieces_cost_little_size_and_are_reused() -> None:
    body, slots = page(300)
    pieces = Pieces(body, (start for start, _ in slots))
    assert len(pieces.gzip(body, [])) < len(compress(body)) * 1.2
    # One edit in the first piece: every other piece is the kept one.
    edited = pieces.gzip(body, [(slots[0], b"<div>mine</div>")])
    tail = b"".join(pieces.zipped[1:])
    assert tail in edited
