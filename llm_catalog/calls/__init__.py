"""The calls layer: the driver (the only place that imports litellm), the router, its shared state and the usage ledger."""
