"""litellm, the library every call goes through: imported on first use, quiet and offline.

This is the one module that imports litellm (``.importlinter`` holds it so), and only
when a call is made, so loading the catalog and selecting models stay fast.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["load_litellm"]


def load_litellm() -> Any:
    """litellm, imported on first use, quiet and offline."""
    # The catalog is the source of prices; litellm would otherwise fetch its own
    # price map from the network when imported.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # lazy: litellm takes seconds to import, and is imported only when a call is made
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm
