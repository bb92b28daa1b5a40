"""Hevo's two paging schemes, owned by the Hevo client (the shared HTTP layer only drives a Paginator).

Standard (`/api/public/v2.0`): `limit` (max 100) + `starting_after`; the `pagination` object is absent on
the last page. OFFICIAL (hevo-api §2, api-docs.hevodata.com/reference/pagination).
Edge (`/api/v1`): `limit` + `cursor`, answered `{data, has_more, next_cursor}`. OFFICIAL (hevo-api §4,
hevoio/hevo-airflow-provider hooks).

A cursor the server already gave in this list (the same one again, or a cycle A→B→A) is an error naming
the endpoint, never a silent end: the pages after it were never read, so the list would be incomplete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kada_dagster.core.http import ApiError, Paginator, data_items

__all__ = ["NextCursorPaginator", "Paginator", "StartingAfterPaginator"]


@dataclass
class _HevoPaginator:
    """What both flavours share: a `limit` (OFFICIAL, max 100 in Standard) and the page's `data` list.

    A page without `data` is malformed (retried, then an error naming the endpoint), never an empty page;
    a 204 No Content reads as one (core `NO_CONTENT`, OFFICIAL hevo-api §5).
    """

    limit: int = 100
    _cursors: set[str] = field(default_factory=set, repr=False)
    _path: str = field(default="", repr=False)

    def first_params(self) -> dict[str, Any]:
        return {"limit": self.limit}

    def items(self, body: Any, path: str) -> list[Any]:
        self._path = path
        return data_items(body, path)

    def _follow(self, cursor: str, current: Any) -> str:
        """`cursor` if this list never gave it before (nor is it the page's own, `current`); a repeat means
        the server loops: fail, naming the endpoint."""
        if current:
            self._cursors.add(str(current))
        if cursor in self._cursors:
            raise ApiError(f"Hevo API GET {self._path}: the server gave cursor {cursor[:40]!r} a second time "
                           f"after {len(self._cursors)} page(s): its paging loops; stopped rather than page "
                           "forever or land an incomplete list", path=self._path)
        self._cursors.add(cursor)
        return cursor


@dataclass
class StartingAfterPaginator(_HevoPaginator):
    """Hevo Standard: follow `pagination.starting_after` while it is present (and new)."""

    def next_params(self, body: Any, params: dict[str, Any], items: list[Any]) -> dict[str, Any] | None:
        # OFFICIAL (hevo-api §2): "If there are no more elements ... pagination object is not returned".
        pagination = body.get("pagination") if isinstance(body, Mapping) else None
        cursor = pagination.get("starting_after") if isinstance(pagination, Mapping) else None
        if not items or not cursor:
            return None
        return {**params, "starting_after": self._follow(str(cursor), params.get("starting_after"))}


@dataclass
class NextCursorPaginator(_HevoPaginator):
    """Hevo Edge: follow `next_cursor` until `has_more` is false or the cursor is missing (a repeat fails)."""

    def next_params(self, body: Any, params: dict[str, Any], items: list[Any]) -> dict[str, Any] | None:
        # OFFICIAL (hevo-api §4): {"data", "has_more": bool, "next_cursor": str|null}; only limit/cursor are sent.
        if not isinstance(body, Mapping) or not items:
            return None
        cursor = body.get("next_cursor")
        if body.get("has_more") is False or not cursor:
            return None
        return {"limit": params.get("limit", self.limit),
                "cursor": self._follow(str(cursor), params.get("cursor"))}
