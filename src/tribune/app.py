"""create_app(settings): the one FastAPI application serving pages, API and static files."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response

from tribune import __version__, crawlers, feeds
from tribune.accounts import deps as staff_deps
from tribune.accounts import routes as accounts
from tribune.branding import routes as branding
from tribune.comments import actions as comment_actions
from tribune.comments import admin as comment_admin
from tribune.comments import api as comments_api
from tribune.comments import own_pages as comments_own
from tribune.comments import pages as comments_pages
from tribune.comments.cache import GZIP_MIN, fragment_cache, page_cache, thread_cache
from tribune.embed import routes as embed
from tribune.embed.cors import Cors
from tribune.exceptions import NotFound
from tribune.identity import SiteCache
from tribune.importers import routes as imports
from tribune.importers.jobs import Imports
from tribune.keys import Keys
from tribune.live import sse
from tribune.live.broker import make_broker
from tribune.moderation import closing
from tribune.moderation import routes as moderation
from tribune.ratelimit import RateLimiter
from tribune.settings import Settings
from tribune.storage.engine import Database
from tribune.stories import admin as story_admin
from tribune.stories import api as story_api
from tribune.stories import media, scheduler
from tribune.stories import routes as stories
from tribune.stories import search_routes as search
from tribune.web import errors, health, openapi, shared
from tribune.web.edge import Edge
from tribune.web.fastlane import FastLane
from tribune.web.proxies import Proxies, UntrustedForwarders
from tribune.web.security import SecurityHeaders
from tribune.web.templating import STATIC


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    db = Database(
        settings.database_url,
        pool_size=settings.pool_size,
        lock_timeout_ms=settings.sqlite_lock_timeout_ms,
    )
    broker = make_broker(settings.redis_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Scheduled stories publish at their time on their own; every worker watches.
        # Comments close by themselves N days after publishing, when the rules say so.
        loops = [
            asyncio.create_task(scheduler.run(db, broker)),
            asyncio.create_task(closing.run(db, broker)),
        ]
        yield
        for loop in loops:
            loop.cancel()
        await _app.state.imports.stop()  # each takes back what it stored
        await broker.close()  # ends live streams: browsers reconnect elsewhere
        await db.dispose()

    app = FastAPI(
        title="Tribune",
        version=__version__,
        description="News stories and the reader discussion beneath them.",
        openapi_url="/api/openapi.json",
        # The interactive docs load scripts from a CDN; Tribune makes no third-party requests.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # Tribune exports no OpenTelemetry: without this, FastAPI asks the global providers
        # whether to trace on every request (about 5% of a fast-lane answer's time).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.db = db
    app.state.keys = Keys(settings.resolved_secret_key())
    app.state.thread_cache = thread_cache()
    app.state.fragment_cache = fragment_cache()
    app.state.page_cache = page_cache()
    app.state.shared_pages = shared.shared_pages()
    app.state.limiter = RateLimiter(settings.rate_limits, settings.redis_url)
    app.state.broker = broker
    app.state.untrusted_forwarders = UntrustedForwarders()
    app.state.site = SiteCache(db)
    app.state.imports = Imports(db)

    app.include_router(health.router)
    app.include_router(stories.api)
    app.include_router(story_api.router)
    app.include_router(search.api)
    app.include_router(comments_api.router)
    app.include_router(sse.router)
    app.include_router(embed.api)
    app.include_router(embed.router)
    app.include_router(stories.pages)
    app.include_router(search.pages)
    app.include_router(comments_own.router)  # before /comments/{id}: it holds /comments/mine
    app.include_router(comments_pages.router)
    app.include_router(comment_actions.router)
    app.include_router(feeds.router)
    app.include_router(crawlers.router)
    app.include_router(accounts.router)
    app.include_router(story_admin.router)
    app.include_router(moderation.router)
    app.include_router(comment_admin.router)
    app.include_router(moderation.api)
    app.include_router(branding.router)
    app.include_router(imports.router)
    app.include_router(media.router)
    app.add_api_route("/static/{digest}/{name}", static_file, include_in_schema=False)
    errors.install(app)
    openapi.install(app)
    app.add_exception_handler(staff_deps.SignInRequired, staff_deps.sign_in_required)
    # Pages show the site settings: each worker reads them again every few seconds.
    app.add_middleware(branding.SiteFresh, cache=app.state.site)
    # Readers on phones pay for every byte; pages and thread JSON compress 4-6x.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN, compresslevel=6)
    lanes = [
        comments_api.thread_lane(db, app.state.thread_cache, settings.thread_depth),
        comments_api.counts_lane(db),
        comments_pages.story_page_lane(
            db, app.state.page_cache, app.state.site, app.state.keys, settings.edit_minutes
        ),
    ]
    # The listings and the feeds, the same for every reader (web/shared.py).
    lanes.append(
        shared.lane(
            app.state.shared_pages, app.state.site, *stories.SHARED_PATHS, *feeds.SHARED_PATHS
        )
    )
    app.add_middleware(FastLane, lanes=lanes)
    # Other sites' pages reach the API and the embed only from TRIBUNE_ALLOWED_ORIGINS.
    app.add_middleware(Cors, allowed=settings.origins())
    # Outermost last: the client's address and scheme (behind a trusted proxy), security
    # headers on every answer, then the edge's own refusals (Host, slow bodies), then any
    # error answered without dropping the connection.
    app.add_middleware(errors.ServerErrors)
    app.add_middleware(Edge, hosts=settings.hosts(), body_timeout=settings.body_timeout)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Proxies, trusted=settings.proxies(), watch=app.state.untrusted_forwarders)
    return app


async def static_file(digest: str, name: str) -> Response:
    """Static files under content-hash URLs: cacheable forever, a new hash on every change."""
    found = STATIC.get(name)
    if found is None or found.digest != digest:
        raise NotFound
    return Response(
        found.body,
        media_type=found.media_type,
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and worker processes: settings from the environment."""
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings)
    # What is loaded by now (the code, its templates and tables: some 150,000 objects) lives
    # as long as the process. Frozen, it is left out of every full collection, which then
    # scans only what requests keep: on the 2-core bench machine those pauses of the event
    # loop went from 150-300 ms to 10-20 ms during a flood of posts (bench/flood.py).
    gc.collect()
    gc.freeze()
    return app
