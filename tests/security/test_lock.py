"""requirements.lock, what `make audit` checks, pins every runtime dependency pyproject.toml
names at a version it allows: a dependency added or raised without `make lock` would go
unaudited (or be audited at a version nobody installs)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parent.parent.parent


def pins() -> dict[str, Version]:
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    pairs = [line.split("==") for line in lines if line and not line.startswith("#")]
    assert all(len(pair) == 2 for pair in pairs), "every line pins one version"
    return {canonicalize_name(name): Version(version) for name, version in pairs}


def test_the_lock_pins_every_runtime_dependency_at_an_allowed_version() -> None:
    pinned = pins()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in map(Requirement, project["dependencies"]):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in requirements.lock: run make lock"
        assert requirement.specifier.contains(pinned[name]), (
            f"requirements.lock pins {name} {pinned[name]}, outside {requirement.specifier}"
        )
