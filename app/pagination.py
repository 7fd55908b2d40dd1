"""One way to page through every list: stable order, capped size, honest end.

A page holds at most ``per_page`` items; ``has_more`` is true only when a
further item exists, so a page that is exactly full at the end says so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from app.errors import SkillForgeError

MAX_PER_PAGE = 100
# Beyond this a list is not paged through by people; it also keeps OFFSET
# within PostgreSQL's bigint.
MAX_PAGE = 100_000


class BadPage(SkillForgeError):
    """The page or page size is out of range."""

    status = 400
    slug = "bad-page"
    title = "Page out of range"


def check_page(page: int, per_page: int) -> None:
    if not 1 <= page <= MAX_PAGE:
        raise BadPage(f"page must be from 1 to {MAX_PAGE}.")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadPage(f"per_page must be from 1 to {MAX_PER_PAGE}.")


def page_of(
    session: Session, statement: Select[Any], page: int, per_page: int
) -> dict[str, Any]:
    """Run ``statement`` (already ordered) for one page of rows as dicts."""
    check_page(page, per_page)
    rows = session.execute(
        statement.limit(per_page + 1).offset((page - 1) * per_page)
    ).mappings()
    items = [dict(row) for row in rows]

    return {
        "items": items[:per_page],
        "page": page,
        "per_page": per_page,
        "has_more": len(items) > per_page,
    }
