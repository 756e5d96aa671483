"""The data layer: what a catalog fact is (records, profiles, vocabulary, errors, the clock) and how it is written (YAML with line marks, JSON Schema)."""
