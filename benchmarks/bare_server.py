"""A bare Flask app under exactly the gunicorn settings of ``skillforge serve``.

The reference that ``matching_http.py`` compares the matches route with:
the same ``app.server.serve`` call (workers, threads, worker class,
timeouts, logging), only the app gunicorn loads differs: one route
answering a small JSON body, nothing else (no database, no limiter, no
auth).

    .venv/bin/python benchmarks/bare_server.py --bind 127.0.0.1:8100
"""

from __future__ import annotations

import argparse
from typing import Any

from flask import Flask, jsonify

from app import server

bare = Flask("bare")


@bare.get("/bare")
def hello() -> Any:
    return jsonify(status="ok", items=[1, 2, 3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bind", default="127.0.0.1:8100", help="address")
    parser.add_argument(
        "--workers", type=int, default=server.default_workers(), help="processes"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    args = parser.parse_args()

    # Everything of ``skillforge serve`` but the app it loads.
    server.SkillForgeServer.load = lambda self: bare  # type: ignore[method-assign]
    server.serve(args.bind, args.workers, args.threads)


if __name__ == "__main__":
    main()
