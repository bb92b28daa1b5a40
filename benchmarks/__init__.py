"""Benchmarks of the collectors against the simulated vendor APIs (issue 5).

`python -m benchmarks` (or `make bench`) runs every scenario on loopback, one scenario per worker
subprocess (so each reports its own peak RSS), and writes BENCHMARKS.md and benchmarks/results.json.
`python -m benchmarks --smoke` runs the same code at tiny sizes in seconds and writes to a temp dir.
"""
