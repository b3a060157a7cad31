"""The README documents the public interface exactly: every setting with its default, every
command (and every make target the Makefile describes), every route of the pages and of the
JSON API, and the fields of each JSON answer."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import fastapi.routing
import pytest
import typer.main
from fastapi import FastAPI
from pydantic import BaseModel

from tribune.app import create_app
from tribune.cli import app as cli_app
from tribune.comments.schemas import (
    CommentCreated,
    CommentOut,
    Counts,
    PreviewOut,
    RepliesPage,
    ReportOut,
    ThreadPage,
    VoteOut,
)
from tribune.moderation.schemas import ModerationOut
from tribune.settings import Settings
from tribune.stories.schemas import StoryDetail, StoryList, StoryOut
from tribune.stories.search_routes import (
    SearchCommentOut,
    SearchResultOut,
    SearchResults,
    SearchStoryOut,
)
from tribune.web.health import Health, Readiness

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()

Route = tuple[str, str]  # (method, path with every placeholder written "{}")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# Served but not table rows: the OpenAPI document is named in the sentence introducing the API
# table, and static files live at content-hash URLs that only the pages' own markup links to.
UNLISTED_ROUTES = {("GET", "/api/openapi.json"), ("GET", "/static/{}/{}")}

# How the configuration table writes a boolean default: as one would set the variable.
BOOLEANS = {"1": True, "0": False, "on": True, "off": False}
# A default in prose is read by its words up to the first colon or comma; every one is None,
# the setting being unset until the operator (or Tribune, for the secret) chooses a value.
PROSE_DEFAULTS: dict[str, object] = {"unset": None, "generated once": None}

SHAPE = "{"  # the answer's fields are the keys of its JSON shape, `{"a": [...], "b"}`
# Where the JSON API table lists each model's fields: the row's route, then SHAPE or the words
# introducing a list of backticked names. A model extending another (the third item) lists only
# the fields it adds.
DOCUMENTED_FIELDS: list[tuple[type[BaseModel], Route, str, type[BaseModel] | None]] = [
    (StoryList, ("GET", "/api/v1/stories"), SHAPE, None),
    (StoryOut, ("GET", "/api/v1/stories"), "each story has", None),
    (StoryDetail, ("GET", "/api/v1/stories/{}"), "adding", StoryOut),
    (ThreadPage, ("GET", "/api/v1/stories/{}/comments"), SHAPE, None),
    (CommentOut, ("GET", "/api/v1/stories/{}/comments"), "each comment has", None),
    (CommentCreated, ("POST", "/api/v1/stories/{}/comments"), "adding", CommentOut),
    (RepliesPage, ("GET", "/api/v1/comments/{}/replies"), SHAPE, None),
    (PreviewOut, ("POST", "/api/v1/preview"), SHAPE, None),
    (VoteOut, ("POST", "/api/v1/comments/{}/votes"), SHAPE, None),
    (ReportOut, ("POST", "/api/v1/comments/{}/reports"), SHAPE, None),
    (Counts, ("GET", "/api/v1/counts"), SHAPE, None),
    (SearchResults, ("GET", "/api/v1/search"), SHAPE, None),
    (SearchResultOut, ("GET", "/api/v1/search"), "each result has", None),
    (SearchStoryOut, ("GET", "/api/v1/search"), "`story` (its", None),
    (SearchCommentOut, ("GET", "/api/v1/search"), "only for a comment:", None),
    (ModerationOut, ("POST", "/api/v1/admin/moderation"), SHAPE, None),
    (Health, ("GET", "/healthz"), SHAPE, None),
    (Readiness, ("GET", "/readyz"), SHAPE, None),
]


# Reading the README ---------------------------------------------------------------------------


def section(title: str) -> str:
    """The text under a `## title` heading, up to the next heading of that level."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def cells(line: str) -> list[str]:
    """A table row's cells; `\\|` is a pipe inside a cell, as in GitHub's Markdown."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def table_after(text: str, intro: str) -> list[list[str]]:
    """The body rows of the first table after the line starting with `intro`."""
    lines = text[text.index("\n" + intro) + 1 :].splitlines()[1:]
    rows = [line for line in lines[: next_non_row(lines)] if line.startswith("|")]
    assert rows, f"no table after {intro!r}"
    return [cells(line) for line in rows[2:]]  # without the header and its |---| line


def next_non_row(lines: list[str]) -> int:
    """Where the first table in `lines` ends (blank lines may come before it)."""
    seen_row = False
    for number, line in enumerate(lines):
        if line.startswith("|"):
            seen_row = True
        elif seen_row:
            return number
    return len(lines)


def code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def normalised(path: str) -> str:
    # The README says {id} where the code says {story_id} or {comment_id}.
    return re.sub(r"\{[^}]*\}", "{}", path)


def documented_route(span: str) -> Route:
    """`GET /api/v1/stories?cursor=` → ("GET", "/api/v1/stories"); no method means GET."""
    found = re.fullmatch(r"(?:(GET|POST|PUT|PATCH|DELETE) )?(/\S*)", span)
    assert found, f"{span!r} in a route table's first column is not a route"
    return found[1] or "GET", normalised(found[2].split("?", 1)[0])


def route_rows(intro: str) -> dict[Route, str]:
    """Each route of a route table, with the answer cell of its row."""
    routes: dict[Route, str] = {}
    for row in table_after(section("HTTP"), intro):
        for span in code_spans(row[0]):
            route = documented_route(span)
            assert route not in routes, f"{route} is in the {intro!r} table twice"
            routes[route] = row[1]
    return routes


def json_keys(shape: str) -> list[str]:
    """The top-level keys of a shape such as `{"comments": [...], "next_cursor", "total"}`."""
    keys: list[str] = []
    depth, expecting_key = 0, False
    for token in re.findall(r'"[^"]*"|[{}\[\],:]', shape):
        if token in ("{", "["):
            depth += 1
            expecting_key = depth == 1
        elif token in ("}", "]"):
            depth -= 1
        elif token == ",":
            expecting_key = depth == 1
        elif token == ":":
            expecting_key = False
        elif expecting_key:
            keys.append(token.strip('"'))
            expecting_key = False
    return keys


def names_after(text: str, marker: str) -> list[str]:
    """The backticked names listed after `marker`: "`a`, `b` (a remark), and `c`"."""
    assert marker in text, f"{marker!r} not found in {text!r}"
    rest = text.split(marker, 1)[1]
    item = re.compile(r"\s*`([a-z_]+)`(?:\s*\([^()]*\))?\s*,?\s*(?:and\b)?")
    names: list[str] = []
    position = 0
    while found := item.match(rest, position):
        names.append(found[1])
        position = found.end()
    return names


def documented_fields(answer: str, marker: str) -> list[str]:
    # The part after the arrow is the answer; before it, what the request sends.
    answer = answer.rsplit("→", 1)[-1]
    if marker != SHAPE:
        return names_after(answer, marker)
    shapes = [span for span in code_spans(answer) if span.startswith("{")]
    assert shapes, f"no JSON shape in {answer!r}"
    return json_keys(shapes[0])


def readme_default(name: str, cell: str) -> object:
    """The configuration table's default for a setting, as the value Settings would hold."""
    code = re.fullmatch(r"`([^`]*)`", cell)
    if code is None:
        words = re.split(r"[:,]", cell, maxsplit=1)[0]
        assert words in PROSE_DEFAULTS, (
            f"TRIBUNE_{name.upper()}: no reading for the default {cell!r}"
        )
        return PROSE_DEFAULTS[words]
    value, annotation = code[1], Settings.model_fields[name].annotation
    if annotation is bool:
        assert value in BOOLEANS, (
            f"TRIBUNE_{name.upper()}: {value!r} is not one of {sorted(BOOLEANS)}"
        )
        return BOOLEANS[value]
    return int(value) if annotation is int else value


# Reading the app ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    database = tmp_path_factory.mktemp("docs") / "x.db"
    return create_app(Settings(database_url=f"sqlite:///{database}", secret_key="k" * 40))


def methods_and_paths(routes: Iterable[tuple[Iterable[str], str]]) -> set[Route]:
    # HEAD answers wherever GET does; the README lists GET.
    return {(m.upper(), normalised(path)) for ms, path in routes for m in ms if m.upper() != "HEAD"}


def api_routes(app: FastAPI) -> set[Route]:
    paths = app.openapi()["paths"].items()
    # A path item may also hold "parameters" or "summary": only its operations are routes.
    return methods_and_paths((item.keys() & HTTP_METHODS, path) for path, item in paths)


def served_routes(app: FastAPI) -> set[Route]:
    """Every route the app answers, included routers flattened."""
    # Recent FastAPI keeps each included router in app.routes as one wrapper, and its own
    # OpenAPI generation walks them with iter_route_contexts; older versions list routes flat.
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(flatten(app.routes) if flatten else app.routes)
    for route in routes:
        # A mount or websocket has no methods: decide how the README lists it before adding one.
        assert getattr(route, "methods", None), f"{route!r} has no methods"
    return methods_and_paths((route.methods, route.path) for route in routes)


def differences(table: str, documented: Iterable[Route], served: set[Route]) -> str:
    def listed(routes: set[Route]) -> str:
        in_order = sorted(routes, key=lambda route: (route[1], route[0]))
        return "".join(f"\n    {method} {path}" for method, path in in_order)

    lines = [f"the {table} table differs from the app:"]
    if missing := served - set(documented):
        lines.append("  served but not in the table:" + listed(missing))
    if extra := set(documented) - served:
        lines.append("  in the table but not served:" + listed(extra))
    return "\n".join(lines)


# The checks -----------------------------------------------------------------------------------


def test_every_setting_is_in_the_configuration_table() -> None:
    documented = set(re.findall(r"^\| `(TRIBUNE_[A-Z_]+)` \|", README, re.MULTILINE))
    declared = {f"TRIBUNE_{name.upper()}" for name in Settings.model_fields}
    assert documented == declared


def test_every_documented_default_is_the_settings_default() -> None:
    wrong: list[str] = []
    for row in table_after(section("Configuration"), "Every setting is"):
        variable, default = row[0].strip("`"), row[1]
        name = variable.removeprefix("TRIBUNE_").lower()
        documented, declared = readme_default(name, default), Settings.model_fields[name].default
        if documented != declared:
            wrong.append(f"{variable}: README {default} reads as {documented!r}, not {declared!r}")
    assert not wrong, "\n".join(wrong)


def test_every_command_is_documented() -> None:
    group = typer.main.get_group(cli_app)
    commands: set[str] = set()
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        commands |= {f"tribune {name} {s}" for s in sub} if sub else {f"tribune {name}"}
    missing = sorted(command for command in commands if f"`{command}" not in README)
    assert not missing, f"commands the README does not document: {missing}"


def test_every_described_make_target_is_in_the_readme() -> None:
    """A target the Makefile describes in its `##` comments (`## name:`, or `make name` inside
    one) is one a user runs: the README names it too."""
    described = "\n".join(
        line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("##")
    )
    targets = set(re.findall(r"^## ([\w-]+):", described, re.MULTILINE))
    targets |= set(re.findall(r"`make ([\w-]+)", described))
    missing = sorted(target for target in targets if f"make {target}" not in README)
    assert not missing, f"make targets the README does not name: {missing}"


def test_the_pages_table_lists_every_page_route(app: FastAPI) -> None:
    pages = served_routes(app) - api_routes(app) - UNLISTED_ROUTES
    documented = route_rows("Pages")
    assert set(documented) == pages, differences("Pages", documented, pages)


def test_the_api_table_lists_every_api_route(app: FastAPI) -> None:
    api = api_routes(app)
    assert api <= served_routes(app), "the OpenAPI document names routes the app does not serve"
    documented = route_rows("JSON API")
    assert set(documented) == api, differences("JSON API", documented, api)


@pytest.mark.parametrize(
    ("model", "route", "marker", "base"),
    DOCUMENTED_FIELDS,
    ids=[model.__name__ for model, *_ in DOCUMENTED_FIELDS],
)
def test_every_answer_field_is_documented(
    model: type[BaseModel], route: Route, marker: str, base: type[BaseModel] | None
) -> None:
    answer = route_rows("JSON API")[route]
    documented = documented_fields(answer, marker)
    declared = set(model.model_fields) - (set(base.model_fields) if base else set())
    assert len(documented) == len(set(documented)), f"{model.__name__}: listed twice: {documented}"
    assert set(documented) == declared, (
        f"{model.__name__} ({route[0]} {route[1]}, after {marker!r}): "
        f"undocumented {sorted(declared - set(documented))}, "
        f"not in the model {sorted(set(documented) - declared)}"
    )
