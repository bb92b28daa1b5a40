"""docs/API_FIELDS.md covers every payload key the vendor code reads (issue 8's 'done when')."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "API_FIELDS.md").read_text(encoding="utf-8")
# Keys the vendor code reads that are not API payload fields: our own settings, our collection names and
# the keys our fetch adds to stored records.
OWN_KEYS = {
    "hightouch": {"api_token", "syncs", "syncId"},
    "hevo": {"api_key", "api_secret", "flavour", "kind"},
}


def keys_read(vendor: str) -> set[str]:
    """String keys passed to `.get()`/`.pop()` or used as subscripts anywhere under kada_dagster/<vendor>/."""
    keys: set[str] = set()
    for path in (ROOT / "kada_dagster" / vendor).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("get", "pop") and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                keys.add(node.args[0].value)
            elif (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
                  and isinstance(node.slice.value, str)):
                keys.add(node.slice.value)
    return keys


@pytest.mark.parametrize("vendor", ["hightouch", "hevo"])
def test_every_payload_key_the_code_reads_is_documented(vendor: str) -> None:
    read = keys_read(vendor) - OWN_KEYS[vendor]
    assert len(read) > 25  # the scan found the records' fields
    missing = sorted(k for k in read if not re.search(rf"(?<![A-Za-z0-9_]){re.escape(k)}(?![A-Za-z0-9_])", DOC))
    assert missing == [], f"add these {vendor} fields to docs/API_FIELDS.md (evidence, fallback, test): {missing}"
