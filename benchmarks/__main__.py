"""`python -m benchmarks [--smoke] [--out DIR] [--only s1,s4]`: run the scenarios, write the report."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.config import FULL, SMOKE
from benchmarks.report import evaluate, write_markdown
from benchmarks.run import REPO, run_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds; writes to a temp dir")
    parser.add_argument("--out", type=Path, help="where to write BENCHMARKS.md and results.json")
    parser.add_argument("--only", help="comma-separated scenario prefixes, e.g. s1,s4")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (worker logs, raw files)")
    parser.add_argument("--update", action="store_true",
                        help="with --only: replace those scenarios in the existing results.json and rewrite the "
                             "report, which names them as re-measured apart from the full run")
    args = parser.parse_args(argv)
    cfg = SMOKE if args.smoke else FULL
    only = {o.strip() for o in args.only.split(",")} if args.only else None
    if args.out:
        md_path, json_path = args.out / "BENCHMARKS.md", args.out / "results.json"
    elif args.smoke:
        out = Path(tempfile.mkdtemp(prefix="kada-bench-smoke-"))
        md_path, json_path = out / "BENCHMARKS.md", out / "results.json"
    else:
        md_path, json_path = REPO / "BENCHMARKS.md", REPO / "benchmarks" / "results.json"
    md_path.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="kada-bench-work-"))
    t0 = time.time()
    try:
        results = run_all(cfg, workdir, only)
    finally:
        if args.keep:
            print(f"[bench] work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["meta"]["command_s"] = time.time() - t0
    if args.update and only and json_path.exists():
        results = _merged(json.loads(json_path.read_text()), results)
    results["goals"] = evaluate(results)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    write_markdown(results, md_path)
    print(f"[bench] wrote {md_path} and {json_path} in {time.time() - t0:.0f}s")
    failed = [n for n, s in results["scenarios"].items() if "error" in s]
    return 1 if failed else 0


def _merged(full: dict[str, Any], rerun: dict[str, Any]) -> dict[str, Any]:
    """The full run's results with the re-measured scenarios in place, each rerun recorded in `meta.reruns`
    (when, which scenarios, the load), so the report never passes a rerun off as part of the one run. The full
    run's own meta (its start, its length) is kept as it was."""
    full["scenarios"].update(rerun["scenarios"])
    names = set(rerun["scenarios"])
    # An earlier rerun of the same scenarios no longer describes any figure in the report: it is replaced.
    kept = [r for r in full["meta"].get("reruns", []) if not set(r["scenarios"]) <= names]
    full["meta"]["reruns"] = [*kept, {"scenarios": sorted(names), "started_at": rerun["meta"]["started_at"],
                                      "total_s": rerun["meta"]["total_s"]}]
    return full


if __name__ == "__main__":
    sys.exit(main())
