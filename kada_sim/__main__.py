"""``python -m kada_sim {hightouch|hevo} [options]``: run one simulator in the foreground."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("hightouch", "hevo"):
        print("usage: python -m kada_sim {hightouch|hevo} [--help | options]", file=sys.stderr)
        return 2
    if args[0] == "hightouch":
        from kada_sim.hightouch import main as run
    else:
        from kada_sim.hevo import main as run
    return run(args[1:])


if __name__ == "__main__":
    sys.exit(main())
