"""The loading layer: reading catalog files into a checked Catalog (merging, cross-record checks, the compiled cache)."""
