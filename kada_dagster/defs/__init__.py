"""Named extra collector instances: one sub-folder per instance with a `defs.yaml` (see
`kada_dagster.component.KadaCollectorComponent`). Empty by default: the default `hightouch` and
`hevo` instances come from the KADA JSON and environment variables."""
