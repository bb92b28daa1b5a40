"""`kada-dagster`: commands for people arriving from the KADA collector scripts.

`migrate-hwm` turns a KADA high water mark file (`<name>_hwm.txt`, one `YYYY-MM-DD HH:MM:SS` line as
`publish_hwm` writes it) into the backfill that covers the gap: every daily partition from the mark's day
to the last complete UTC day. Re-materialising the mark's own day is deliberate: the KADA script's last
window ended inside it, and partitions are idempotent (the same file names are rewritten).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

HWM_FORMAT = "%Y-%m-%d %H:%M:%S"
_HWM_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_INSTANCE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class HwmFileError(ValueError):
    """The HWM file is missing or not in the KADA format; the message names the file and the format."""


@dataclass(frozen=True)
class BackfillRange:
    """The daily partitions that cover the gap since a KADA high water mark."""

    instance: str
    first: date
    last: date

    @property
    def partition_keys(self) -> list[str]:
        days = (self.last - self.first).days + 1
        return [(self.first + timedelta(days=i)).isoformat() for i in range(days)]

    def command(self) -> str:
        return (f"dagster asset materialize -m kada_dagster.definitions --select 'group:{self.instance}' "
                f"--partition-range {self.first.isoformat()}...{self.last.isoformat()}")


def read_hwm(path: Path) -> datetime:
    """The mark in a KADA `<name>_hwm.txt` (UTC, as the collector's windows are)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise HwmFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not _HWM_LINE.match(text):
        shown = text[:40] + ("..." if len(text) > 40 else "")
        raise HwmFileError(f"{path}: expected one line 'YYYY-MM-DD HH:MM:SS' as the KADA collector's "
                           f"publish_hwm writes it, found {shown!r}")
    try:
        return datetime.strptime(text, HWM_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise HwmFileError(f"{path}: {text!r} is not a real date and time ({exc})") from None


def backfill_range(instance: str, mark: datetime, today: date) -> BackfillRange | None:
    """From the mark's day to the last complete UTC day; None when the mark is already past it."""
    last = today - timedelta(days=1)
    first = mark.date()
    return BackfillRange(instance, first, last) if first <= last else None


def launch_backfill(backfill: BackfillRange) -> str:
    """Submits the range as one backfill of the instance's assets to the instance in DAGSTER_HOME (the
    daemon runs it; single-run backfill policy makes it one run). Returns the backfill id."""
    import dagster as dg
    from dagster._core.execution.backfill import PartitionBackfill
    from dagster._core.utils import make_new_backfill_id

    from kada_dagster.definitions import defs

    graph = defs().resolve_asset_graph()
    keys = [key for key in graph.get_all_asset_keys() if graph.get(key).group_name == backfill.instance]
    if not keys:
        raise HwmFileError(f"no collector instance named '{backfill.instance}' in kada_dagster.definitions "
                           "(the default instances are 'hightouch' and 'hevo'; named ones come from defs.yaml)")
    instance = dg.DagsterInstance.get()
    backfill_id = make_new_backfill_id()
    instance.add_backfill(PartitionBackfill.from_asset_partitions(
        backfill_id=backfill_id, asset_graph=graph, partition_names=backfill.partition_keys,
        asset_selection=sorted(keys), backfill_timestamp=time.time(),
        tags={"kada/instance": backfill.instance, "kada/migrated_from": "hwm"},
        dynamic_partitions_store=instance, all_partitions=False,
        title=f"{backfill.instance}: catch up from the KADA high water mark",
        description=f"{backfill.first}...{backfill.last}", run_config=None,
    ))
    return backfill_id


def _migrate_hwm(args: argparse.Namespace) -> int:
    if not _INSTANCE.match(args.name):
        print(f"error: --name {args.name!r} is not an instance name (letters, digits, _)", file=sys.stderr)
        return 2
    try:
        mark = read_hwm(Path(args.hwm_file))
    except HwmFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    today = date.fromisoformat(args.today) if args.today else datetime.now(timezone.utc).date()
    backfill = backfill_range(args.name, mark, today)
    if backfill is None:
        print(f"{args.name}: the mark {mark:%Y-%m-%d %H:%M:%S} is within today (UTC): nothing to backfill; "
              "the daily schedule takes over from here")
        return 0
    print(backfill.command())
    if args.launch:
        try:
            backfill_id = launch_backfill(backfill)
        except HwmFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"submitted backfill {backfill_id}: {len(backfill.partition_keys)} partitions of "
              f"group {args.name}; dagster-daemon runs it", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kada-dagster", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate-hwm", help="turn a KADA <name>_hwm.txt into the backfill that covers the gap")
    migrate.add_argument("--name", required=True, help="the collector instance (the KADA --name), e.g. hightouch")
    migrate.add_argument("--hwm-file", required=True, help="path of the KADA <name>_hwm.txt")
    migrate.add_argument("--launch", action="store_true",
                         help="submit the range as one backfill to the Dagster instance in DAGSTER_HOME")
    migrate.add_argument("--today", help=argparse.SUPPRESS)  # fixed 'today' (UTC) for reproducible output
    args = parser.parse_args(argv)
    return _migrate_hwm(args)


if __name__ == "__main__":
    sys.exit(main())
