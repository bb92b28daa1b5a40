"""Hightouch list paging: `limit`/`offset` with a `hasMore` the spec requires on two endpoints only.

OFFICIAL (hightouch-api §1.4): `hasMore` is required on ListSync and ListSyncRuns, only in the examples
on ListSource/ListModel/ListDestination; the maximum page size is undocumented. So a page shorter than
the `limit` we asked for proves nothing (a server may cap pages below it): without `hasMore` we read on
until an EMPTY page, which costs one request per list and never loses an object. With `hasMore` we
trust it, but an empty page still ends the list (a server saying hasMore forever cannot loop us). A page
that brings only items we already have (a server ignoring `offset`) is an error naming the endpoint: the
list behind it would be incomplete, and stopping there silently would land a set missing objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kada_dagster.core.http import ApiError, data_items
from kada_dagster.core.records import norm_id


@dataclass
class HightouchPaginator:
    """One list call's paging state (implements `kada_dagster.core.http.Paginator`); use a fresh one per list."""

    limit: int = 100
    _seen: set[str] = field(default_factory=set, repr=False)
    _path: str = field(default="", repr=False)

    def first_params(self) -> dict[str, Any]:
        # OFFICIAL (§1.2/§1.4): send limit and offset explicitly, defaults drifted between spec versions.
        return {"limit": self.limit, "offset": 0}

    def items(self, body: Any, path: str) -> list[Any]:
        # OFFICIAL (§1.1): list GETs answer `{"data": [...], "hasMore": bool}`; any other body is malformed
        # (retried by the HTTP layer), never an empty page.
        self._path = path
        return data_items(body, path)

    def next_params(self, body: Any, params: dict[str, Any], items: list[Any]) -> dict[str, Any] | None:
        if not items:
            return None
        ids = {norm_id(item.get("id")) for item in items if isinstance(item, Mapping)} - {None}
        if ids and ids <= self._seen:
            raise ApiError(
                f"Hightouch API GET {self._path}: the page at offset {params.get('offset', 0)} only repeated "
                f"ids already read (hasMore={body.get('hasMore') if isinstance(body, Mapping) else None}): the "
                "server ignores `offset`; stopped rather than page forever or land an incomplete list",
                path=self._path)
        self._seen.update(i for i in ids if i is not None)
        # OFFICIAL (§1.4) where present; absent or not a boolean: read on until an empty page.
        has_more = body.get("hasMore") if isinstance(body, Mapping) else None
        if has_more is False:
            return None
        return {**params, "offset": int(params.get("offset", 0)) + len(items)}
