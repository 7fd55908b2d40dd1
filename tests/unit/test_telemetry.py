"""Telemetry is set up once per process, however many apps are created."""

from __future__ import annotations

from app import telemetry
from app.config import load_settings


def test_second_init_in_a_process_does_nothing() -> None:
    settings = load_settings({"SKILLFORGE_PROFILE": "test"})
    telemetry.init_telemetry(settings)
    count = telemetry.init_count

    assert telemetry.init_telemetry(settings) is False
    assert telemetry.init_count == count == 1


def test_boot_line_names_the_telemetry_target() -> None:
    settings = load_settings({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})

    assert settings.telemetry_target == "otlp-http http://127.0.0.1:4318"
    assert load_settings({}).telemetry_target.startswith("none")
