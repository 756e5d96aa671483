"""The interfaces layer: the command line, its rendering and the catalog browser."""
