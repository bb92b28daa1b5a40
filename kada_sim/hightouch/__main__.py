"""``python -m kada_sim.hightouch --port 8765 --seed 7 ...``: run the Hightouch simulator in the foreground."""

from __future__ import annotations

import sys

from kada_sim.hightouch.simulator import main

if __name__ == "__main__":
    sys.exit(main())
