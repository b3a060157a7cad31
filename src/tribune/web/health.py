"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import logging
from typing import Protocol

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from tribune.web.deps import Db
from tribune.web.openapi import RETRY_AFTER
from tribune.web.responses import Json

router = APIRouter(tags=["health"])
log = logging.getLogger("tribune")


class _Broker(Protocol):
    """What readiness asks of the live broker (tribune.live.broker)."""

    kind: str

    async def healthy(self) -> bool: ...


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str = Field(json_schema_extra={"enum": ["ok", "unavailable"]})
    database: str = Field(json_schema_extra={"enum": ["ok", "unreachable"]})
    redis: str = Field(json_schema_extra={"enum": ["off", "ok", "degraded"]})


@router.get("/healthz", operation_id="health", response_model=Health)
async def health() -> Response:
    """The process is up and answering."""
    return Json({"status": "ok"})


@router.get(
    "/readyz",
    operation_id="ready",
    response_model=Readiness,
    responses={
        503: {
            "model": Readiness,
            "description": "The database does not answer",
            "headers": RETRY_AFTER,
        }
    },
)
async def ready(request: Request, db: Db) -> Response:
    """The database answers, on both paths requests read by; 503 with the reason when it
    does not. Redis, when configured, is reported but never makes the site unready: without
    it only live updates pause."""
    broker: _Broker = request.app.state.broker
    redis = "off" if broker.kind != "redis" else "ok" if await broker.healthy() else "degraded"
    try:
        await db.ping()
    except Exception as exc:  # any driver error means "not ready", never a 500
        log.warning("readiness check failed: %s", type(exc).__name__)
        return Json(
            {"status": "unavailable", "database": "unreachable", "redis": redis},
            503,
            headers={"Retry-After": "5"},
        )
    return Json({"status": "ok", "database": "ok", "redis": redis})
