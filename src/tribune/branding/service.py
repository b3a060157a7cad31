"""Saving the site settings (/admin/site): each field checked with a message naming it,
everything stored in one transaction with its audit entry, or nothing at all."""

from __future__ import annotations

from datetime import UTC, datetime

from tribune import identity
from tribune.accounts.service import Staff, audit
from tribune.branding.logo import LogoRefused, Processed, process
from tribune.exceptions import Invalid
from tribune.fields import INVISIBLE, has_control, is_control
from tribune.identity import FOOTER_MAX, HEX_COLOUR, NAME_MAX, TAGLINE_MAX, Logo, Site, SiteCache
from tribune.storage import site as store
from tribune.storage.engine import Database
from tribune.vocabulary import AuditAction

FIELDS = ("name", "tagline", "footer", "accent", "remove_logo")
NOT_SAVED = "The site settings were not saved"


def form_values(site: Site) -> dict[str, str]:
    """The form as the saved settings fill it."""
    return {
        "name": site.name,
        "tagline": site.tagline,
        "footer": site.footer,
        "accent": site.accent,
    }


def _line(value: str, label: str, limit: int) -> str | None:
    """One line of plain text: no control or invisible characters, at most ``limit``."""
    if any(is_control(c) or c in INVISIBLE for c in value):
        return f"The {label} must be one line of text, without control or invisible characters."
    if len(value) > limit:
        return f"The {label} can be at most {limit} characters; this one has {len(value)}."
    return None


def check(form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The fields trimmed, and a message for each that cannot be saved."""
    values = {key: form.get(key, "").strip() for key in ("name", "tagline", "accent")}
    values["footer"] = form.get("footer", "").strip().replace("\r\n", "\n")
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = "Please give the site a name: it heads every page and its title."
    elif message := _line(values["name"], "site name", NAME_MAX):
        errors["name"] = message
    if message := _line(values["tagline"], "tagline", TAGLINE_MAX):
        errors["tagline"] = message
    footer = values["footer"]
    if has_control(footer) or not INVISIBLE.isdisjoint(footer):
        errors["footer"] = "The footer text cannot contain control or invisible characters."
    elif len(footer) > FOOTER_MAX:
        errors["footer"] = (
            f"The footer text can be at most {FOOTER_MAX} characters; this one has {len(footer)}."
        )
    accent = values["accent"]
    if accent and not accent.startswith("#"):
        accent = values["accent"] = "#" + accent
    if accent and not HEX_COLOUR.fullmatch(accent):
        errors["accent"] = (
            "The accent colour must be written as # and six hexadecimal digits, like #1a4fa3, "
            "or left empty for the standard red."
        )
    return values, errors


async def save_site(
    db: Database,
    cache: SiteCache,
    form: dict[str, str],
    upload: bytes | None,
    *,
    by: Staff,
) -> Site:
    """Check and store the settings (and the logo, when one was uploaded); raises Invalid
    with a message per field, having stored nothing."""
    values, errors = check(form)
    processed: Processed | None = None
    if upload:
        try:
            processed = process(upload)
        except LogoRefused as exc:
            errors["logo"] = str(exc)
    if errors:
        if upload and "logo" not in errors:
            errors["logo"] = "The logo was not saved with the rest: please choose it again."
        raise Invalid(NOT_SAVED, errors)
    async with db.transaction() as conn:
        before = identity.from_stored(await store.identity(conn))
        logo = before.logo
        if processed is not None:
            logo = Logo(processed.digest, processed.media_type, processed.width, processed.height)
        elif form.get("remove_logo") == "on":
            logo = None
        site = identity.build(
            name=values["name"],
            tagline=values["tagline"],
            footer=values["footer"],
            accent=values["accent"],
            logo=logo,
        )
        now = datetime.now(UTC)
        await store.put_identity(conn, site.stored(), now)
        if processed is not None:
            await store.keep_only_logo(
                conn, processed.digest, processed.media_type, processed.body, now
            )
        else:
            await store.keep_only_logo(conn, logo.digest if logo else None)
        await audit(
            conn,
            by,
            AuditAction.site_change,
            "site settings",
            detail={"before": before.stored(), "after": site.stored()},
        )
    cache.replace(site)
    return site


async def stored_logo(db: Database, digest: str) -> tuple[str, bytes] | None:
    """A stored logo's media type and bytes."""
    async with db.read() as conn:
        return await store.logo(conn, digest)
