"""The live broker as a dependency of the routes whose writes readers hear about."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tribune.live.broker import Broker


async def get_events(request: Request) -> Broker:
    broker: Broker = request.app.state.broker
    return broker


Events = Annotated[Broker, Depends(get_events)]
