"""Contract tests: every route against its operation in /openapi.json."""
