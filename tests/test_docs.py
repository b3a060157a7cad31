"""The README documents every setting, every command and every API path."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from tribune.app import create_app
from tribune.cli import app as cli_app
from tribune.settings import Settings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_configuration_table() -> None:
    documented = set(re.findall(r"^\| `(TRIBUNE_[A-Z_]+)` \|", README, re.MULTILINE))
    declared = {f"TRIBUNE_{name.upper()}" for name in Settings.model_fields}
    assert documented == declared


def test_every_command_is_documented() -> None:
    group = typer.main.get_group(cli_app)
    commands: set[str] = set()
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        commands |= {f"tribune {name} {s}" for s in sub} if sub else {f"tribune {name}"}
    for command in commands:
        assert f"`{command}" in README, command


def test_every_api_path_is_documented(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", secret_key="k" * 40))
    for path in app.openapi()["paths"]:
        assert path.replace("{story_id}", "{id}").replace("{comment_id}", "{id}") in README, path
