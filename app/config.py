"""Settings, read once at start-up from the environment and a secrets provider.

Secrets come from a folder with one file per secret (``SKILLFORGE_SECRETS_DIR``,
the way container platforms mount a secrets manager) and then from environment
variables. Development values exist so a laptop runs with no set-up; the
production profile refuses to start while any secret is missing or still has
its development value, and names which one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import ConfigError
from app.webhooks.settings import WebhookSettings, load_webhook_settings

PROFILES = ("development", "test", "drill", "production")

# Development values: usable on a laptop, refused by the production profile.
DEV_SECRETS: dict[str, str] = {
    "SECRET_KEY": "dev-only-secret-key-change-me",
    "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/skillforge",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
MIN_SECRET_KEY_BYTES = 32


class SecretsProvider:
    """Looks a secret up in the secrets folder first, then in the environment.

    The folder holds one file per secret, named after it in lower case
    (``secret_key``, ``database_url``); trailing white space is dropped.
    """

    def __init__(self, env: Mapping[str, str], folder: Path | None) -> None:
        self.env = env
        self.folder = folder

    def get(self, name: str) -> tuple[str | None, str]:
        """Return the secret's value and where it came from."""
        if self.folder is not None:
            path = self.folder / name.lower()
            if path.is_file():
                return path.read_text(encoding="utf-8").strip(), f"file:{path}"

        value = self.env.get(name)
        if value:
            return value, f"env:{name}"

        return None, "missing"


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, validated."""

    profile: str
    secret_key: str
    database_url: str
    redis_url: str
    secret_sources: dict[str, str] = field(default_factory=dict)
    otlp_endpoint: str | None = None
    service_name: str = "skillforge"
    max_body_bytes: int = 1_048_576
    rate_limit_default: str = "600 per minute"
    rate_limit_auth: str = "30 per minute"
    limiter_enabled: bool = True
    fault_flags: frozenset[str] = frozenset()
    # Partner webhooks: timeouts, retries, URL allow-list (SKILLFORGE_WEBHOOK_*).
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    # Outgoing mail: the SMTP relay the email outbox is delivered through.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "SkillForge <no-reply@skillforge.example>"
    # Where links in emails point (verification, password reset).
    public_url: str = "http://127.0.0.1:8000"
    # Failed log-ins: lock an account after this many, for this many seconds.
    login_max_failures: int = 5
    login_lock_seconds: int = 900
    login_ip_max_failures: int = 50
    # Reverse proxies in front of the app whose X-Forwarded-For and
    # X-Forwarded-Proto are trusted (0: none, the peer is the client). Rate
    # limits and the log-in throttle count per client address.
    trusted_proxies: int = 0

    @property
    def is_production(self) -> bool:
        return self.profile == "production"

    @property
    def telemetry_target(self) -> str:
        """Where telemetry goes, in words for the boot line."""
        if self.otlp_endpoint:
            return f"otlp-http {self.otlp_endpoint}"

        return "none (OTEL_EXPORTER_OTLP_ENDPOINT not set)"


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default

    return raw.strip().lower() in ("1", "true", "yes", "on")


def _number(env: Mapping[str, str], name: str, default: str, kind: type = int) -> Any:
    """A numeric setting; anything that is not a plain number is a ConfigError."""
    raw = env.get(name, default).strip() or default
    try:
        return kind(raw) if raw.isascii() else kind("not ascii")
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check the settings; raise ConfigError naming what is wrong."""
    env = os.environ if env is None else env
    profile = env.get("SKILLFORGE_PROFILE", "development")
    if profile not in PROFILES:
        raise ConfigError(
            f"SKILLFORGE_PROFILE={profile!r} is not one of {', '.join(PROFILES)}"
        )

    folder_name = env.get("SKILLFORGE_SECRETS_DIR")
    folder = Path(folder_name) if folder_name else None
    if folder is not None and not folder.is_dir():
        raise ConfigError(f"SKILLFORGE_SECRETS_DIR={folder} is not a folder")

    provider = SecretsProvider(env, folder)
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name, dev_value in DEV_SECRETS.items():
        value, source = provider.get(name)
        if profile == "production":
            _refuse_unsafe_secret(name, value, dev_value)
        values[name] = value or dev_value
        sources[name] = source if value else "development default"

    faults = frozenset(
        f.strip() for f in env.get("SKILLFORGE_FAULTS", "").split(",") if f.strip()
    )
    if faults and profile not in ("drill", "test", "development"):
        raise ConfigError("SKILLFORGE_FAULTS is refused by the production profile")

    return Settings(
        profile=profile,
        secret_key=values["SECRET_KEY"],
        database_url=values["DATABASE_URL"],
        redis_url=values["REDIS_URL"],
        secret_sources=sources,
        otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None,
        service_name=env.get("OTEL_SERVICE_NAME", "skillforge"),
        max_body_bytes=_number(env, "SKILLFORGE_MAX_BODY_BYTES", "1048576"),
        rate_limit_default=env.get("SKILLFORGE_RATE_LIMIT", "600 per minute"),
        rate_limit_auth=env.get("SKILLFORGE_RATE_LIMIT_AUTH", "30 per minute"),
        limiter_enabled=_flag(env, "SKILLFORGE_RATE_LIMIT_ENABLED", True),
        fault_flags=faults,
        webhooks=load_webhook_settings(env, profile),
        smtp_host=env.get("SKILLFORGE_SMTP_HOST", "127.0.0.1"),
        smtp_port=_number(env, "SKILLFORGE_SMTP_PORT", "1025"),
        smtp_timeout_seconds=_number(
            env, "SKILLFORGE_SMTP_TIMEOUT_SECONDS", "10", float
        ),
        mail_from=env.get("SKILLFORGE_MAIL_FROM", Settings.mail_from),
        public_url=env.get("SKILLFORGE_PUBLIC_URL", Settings.public_url).rstrip("/"),
        login_max_failures=_number(env, "SKILLFORGE_LOGIN_MAX_FAILURES", "5"),
        login_lock_seconds=_number(env, "SKILLFORGE_LOGIN_LOCK_SECONDS", "900"),
        login_ip_max_failures=_number(env, "SKILLFORGE_LOGIN_IP_MAX_FAILURES", "50"),
        trusted_proxies=_number(env, "SKILLFORGE_TRUSTED_PROXIES", "0"),
    )


def _refuse_unsafe_secret(name: str, value: str | None, dev_value: str) -> None:
    if not value:
        raise ConfigError(
            f"production refuses to start: secret {name} is missing "
            "(set it in SKILLFORGE_SECRETS_DIR or the environment)"
        )
    if value == dev_value:
        raise ConfigError(
            f"production refuses to start: secret {name} still has its "
            "development value"
        )
    if name == "SECRET_KEY" and len(value.encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(
            f"production refuses to start: secret {name} is shorter than "
            f"{MIN_SECRET_KEY_BYTES} bytes"
        )
