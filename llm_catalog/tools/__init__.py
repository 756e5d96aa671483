"""The tools layer: import from and drift against public sources (litellm, models.dev)."""
