"""Settings: read from TRIBUNE_* variables, insecure values refused, the key kept privately."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tribune.settings import Settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "BASE_URL", "DEMO", "SECRET_KEY"):
        monkeypatch.delenv(f"TRIBUNE_{name}", raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///./tribune.db"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.demo is True


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIBUNE_DEMO", "0")
    monkeypatch.setenv("TRIBUNE_BASE_URL", "https://news.example/")
    settings = Settings()
    assert settings.demo is False
    assert settings.base_url == "https://news.example"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("secret_key", "changeme"),
        ("secret_key", "short"),
        ("database_url", "mysql://localhost/x"),
        ("base_url", "news.example"),
        ("base_url", "ftp://news.example"),
        ("pool_size", 0),
    ],
)
def test_insecure_or_invalid_values_are_refused(field: str, value: Any) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: value})


def test_secret_key_is_generated_once_in_a_private_file(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'site.db'}")
    key = settings.resolved_secret_key()
    secret_file = tmp_path / ".tribune-secret"
    assert len(key) >= 32
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert settings.resolved_secret_key() == key
    assert [p.name for p in tmp_path.iterdir()] == [".tribune-secret"]
