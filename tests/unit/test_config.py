"""Settings: where secrets come from, and what production refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import DEV_SECRETS, load_settings
from app.errors import ConfigError

STRONG = {
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql+psycopg://app:pw@db.internal/skillforge",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


def test_development_runs_on_development_defaults() -> None:
    settings = load_settings({})

    assert settings.profile == "development"
    assert settings.secret_key == DEV_SECRETS["SECRET_KEY"]
    assert settings.secret_sources["SECRET_KEY"] == "development default"


@pytest.mark.parametrize("name", sorted(DEV_SECRETS), ids=str.lower)
def test_production_refuses_a_missing_secret_and_names_it(name: str) -> None:
    env = {"SKILLFORGE_PROFILE": "production", **STRONG}
    del env[name]

    with pytest.raises(ConfigError, match=f"{name} is missing"):
        load_settings(env)


@pytest.mark.parametrize("name", sorted(DEV_SECRETS), ids=str.lower)
def test_production_refuses_a_development_value_and_names_it(name: str) -> None:
    env = {"SKILLFORGE_PROFILE": "production", **STRONG, name: DEV_SECRETS[name]}

    with pytest.raises(ConfigError, match=f"{name} still has its development"):
        load_settings(env)


def test_production_refuses_a_short_secret_key() -> None:
    env = {"SKILLFORGE_PROFILE": "production", **STRONG, "SECRET_KEY": "short"}

    with pytest.raises(ConfigError, match="shorter than 32 bytes"):
        load_settings(env)


def test_production_refuses_fault_flags() -> None:
    env = {"SKILLFORGE_PROFILE": "production", **STRONG, "SKILLFORGE_FAULTS": "x"}

    with pytest.raises(ConfigError, match="SKILLFORGE_FAULTS"):
        load_settings(env)


def test_secrets_folder_wins_over_the_environment(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("f" * 40 + "\n")
    (tmp_path / "database_url").write_text(STRONG["DATABASE_URL"])
    (tmp_path / "redis_url").write_text(STRONG["REDIS_URL"])
    env = {
        "SKILLFORGE_PROFILE": "production",
        "SKILLFORGE_SECRETS_DIR": str(tmp_path),
        "SECRET_KEY": "e" * 40,
    }

    settings = load_settings(env)

    assert settings.secret_key == "f" * 40
    assert settings.secret_sources["SECRET_KEY"] == f"file:{tmp_path}/secret_key"


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ConfigError, match="SKILLFORGE_PROFILE"):
        load_settings({"SKILLFORGE_PROFILE": "staging-ish"})


def test_missing_secrets_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a folder"):
        load_settings({"SKILLFORGE_SECRETS_DIR": str(tmp_path / "nope")})


def test_serve_refuses_to_start_in_production_with_default_secret() -> None:
    from click.testing import CliRunner

    from app.cli import main

    result = CliRunner().invoke(
        main,
        ["serve"],
        env={"SKILLFORGE_PROFILE": "production", **STRONG, "SECRET_KEY": ""},
    )

    assert result.exit_code != 0
    assert "SECRET_KEY is missing" in result.output


def test_serve_defaults_to_two_workers_per_core_plus_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.server import default_workers

    monkeypatch.delenv("SKILLFORGE_WEB_WORKERS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_workers() == 5
    monkeypatch.setenv("SKILLFORGE_WEB_WORKERS", "3")
    assert default_workers() == 3
    for wrong in ("zero", "0", "-3", "²", "65"):
        monkeypatch.setenv("SKILLFORGE_WEB_WORKERS", wrong)
        with pytest.raises(ConfigError, match="SKILLFORGE_WEB_WORKERS"):
            default_workers()


@pytest.mark.parametrize(
    "name",
    [
        "SKILLFORGE_SMTP_PORT",
        "SKILLFORGE_MAX_BODY_BYTES",
        "SKILLFORGE_LOGIN_MAX_FAILURES",
    ],
)
@pytest.mark.parametrize("value", ["abc", "²", "1.5x"])
def test_numeric_settings_that_are_not_numbers_are_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})
