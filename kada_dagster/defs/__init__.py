"""Every collector instance is a folder here with a `defs.yaml` (see `kada_dagster.component`): the default
`hightouch` and `hevo` instances as shipped, and any named extra instance a user adds."""
