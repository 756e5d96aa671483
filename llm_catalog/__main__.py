"""``python -m llm_catalog``: the same as the ``llm-catalog`` command."""

from llm_catalog.interfaces.cli import main

raise SystemExit(main())
