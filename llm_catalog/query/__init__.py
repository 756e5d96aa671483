"""The query layer: the indexed catalog, prices and billing rules, token counts, and select()."""
