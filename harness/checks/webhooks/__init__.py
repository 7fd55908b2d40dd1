"""Gate: persistent partner webhook delivery with retry and dead letters.

``run`` (in ``gate``) is the check ``ci/gates.toml`` names. The modules
beside it are shared with the integration tests, the features and the
benchmark: loopback receivers, worker processes and the ledger.
"""

from __future__ import annotations

from harness.checks.webhooks.gate import run

__all__ = ["run"]
