"""``python -m kada_sim.hevo --flavour standard --port 8766 ...``: run the Hevo simulator in the foreground."""

from __future__ import annotations

import sys

from kada_sim.hevo.simulator import main

if __name__ == "__main__":
    sys.exit(main())
