"""Shared pytest fixtures for tests/ and features/ live in tests/fixtures.py
and tests/webhook_fixtures.py."""

pytest_plugins = ["tests.fixtures", "tests.webhook_fixtures"]
