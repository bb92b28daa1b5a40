"""kada_dagster test suite (a package so tests can share helpers: `from kada_dagster_tests.x import ...`)."""
