"""The live broker, for the routes whose writes readers hear about."""

from __future__ import annotations

from starlette.requests import Request

from tribune.live.broker import Broker


def events_of(request: Request) -> Broker:
    """Where committed writes are announced. A plain function, not a dependency: the
    posting route is measured, and each dependency FastAPI solves costs it time."""
    broker: Broker = request.app.state.broker
    return broker
