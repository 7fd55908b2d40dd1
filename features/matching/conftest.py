"""Registers the tag of the matching features as a pytest marker."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "matching: the matching, saving and application flows"
    )
