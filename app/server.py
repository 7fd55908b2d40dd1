"""``skillforge serve``: gunicorn hosting ``create_app`` with no config file.

The master binds the one listening socket and forks the workers, which
inherit it; each worker builds the app, and so sets up telemetry, once, then
logs one structured boot line saying where its telemetry goes.
"""

from __future__ import annotations

import gc
import logging
import os
from typing import Any

from gunicorn.app.base import BaseApplication

from app.errors import ConfigError

logger = logging.getLogger("skillforge.boot")


class SkillForgeServer(BaseApplication):
    """A gunicorn application configured from arguments instead of a file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from app import create_app, telemetry

        app = create_app()
        # What the app holds from now on (modules, mappers, the spec) lives as
        # long as the worker: out of the collector's way, so its full passes
        # stay short and do not stall requests.
        gc.freeze()
        settings = app.config["SKILLFORGE"]
        logger.info(
            "Worker booted.",
            extra={
                "event": "boot",
                "role": "web",
                "ppid": os.getppid(),
                "listen": self.options["bind"],
                "telemetry": settings.telemetry_target,
                "telemetry_inits": telemetry.init_count,
                "profile": settings.profile,
            },
        )
        return app


MAX_WORKERS = 64


def default_workers() -> int:
    """Two sync workers per core, plus one: gunicorn's own rule of thumb.

    A sync worker holds its core idle while it waits on PostgreSQL or Redis;
    the extra workers use that time. ``SKILLFORGE_WEB_WORKERS`` overrides it.
    """
    configured = os.environ.get("SKILLFORGE_WEB_WORKERS", "").strip()
    if not configured:
        return 2 * (os.cpu_count() or 1) + 1
    if not (configured.isascii() and configured.isdigit()) or not (
        1 <= int(configured) <= MAX_WORKERS
    ):
        raise ConfigError(
            f"SKILLFORGE_WEB_WORKERS={configured!r} is not a number "
            f"from 1 to {MAX_WORKERS}"
        )

    return int(configured)


def _worker_exit(_server: Any, _worker: Any) -> None:
    from app import telemetry

    telemetry.shutdown_telemetry()


def serve(bind: str, workers: int, threads: int, timeout: int = 30) -> None:
    """Run gunicorn in the foreground until it is told to stop."""
    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": timeout,
        "graceful_timeout": 10,
        "preload_app": False,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "worker_exit": _worker_exit,
        "proc_name": "skillforge-web",
        # One listening socket per process: no gunicorn control socket beside it.
        "control_socket_disable": True,
    }
    SkillForgeServer(options).run()
