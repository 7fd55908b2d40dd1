"""Registers the tag of the assessment features as a pytest marker."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "assessments: the skill assessment flows")
