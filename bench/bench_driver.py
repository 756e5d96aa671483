"""The driver's overhead over calling litellm directly, against the same local server.

Both sides call the same fake provider on 127.0.0.1 (``tests/fakeprovider.py``,
which speaks OpenAI's, Anthropic's and Gemini's wire formats) with the same
request; the driver adds its checks (key, parameters, output limit, prompt
counted with the model's tokenizer), reads the answer and costs it from the
catalog. Calls alternate between the two sides so that drift on a shared,
noisy machine falls on both.

Run: ``pip install -e '.[dev]'``, then ``python bench/bench_driver.py``.
Figures are printed, never asserted.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import llm_catalog  # noqa: E402
from tests.fakeprovider import FakeProvider  # noqa: E402

CALLS = 300
MESSAGES = [
    {"role": "system", "content": "You answer in one short sentence."},
    {"role": "user", "content": "Which planet is the largest in the solar system?"},
]
CASES = [
    ("openai/gpt-4o-mini", "openai_base"),
    ("anthropic/claude-haiku-4-5-20251001", "anthropic_base"),
    ("google/gemini-2.5-flash-lite", "gemini_base"),
]
KEYS = {
    "OPENAI_API_KEY": "sk-bench-0000000000000000000000000000",
    "ANTHROPIC_API_KEY": "sk-ant-bench-000000000000000000000",
    "GEMINI_API_KEY": "bench-gemini-key",
}


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    os.environ.update(KEYS)
    import litellm

    litellm.suppress_debug_info = True
    catalog = llm_catalog.load_catalog()
    print(f"driver overhead over litellm.completion, {CALLS} calls each, local fake server")
    print(f"{'model':40} {'litellm':>10} {'driver':>10} {'overhead':>10} {'ratio':>7}")
    with FakeProvider() as fake:
        for model_id, base_attr in CASES:
            model = catalog[model_id]
            base = getattr(fake, base_attr)
            provider = catalog.provider_of(model)
            key = os.environ[provider.api_key_env[0]]
            litellm_model = (
                model.litellm_model or f"{provider.litellm_provider}/" + model.id.split("/", 1)[1]
            )

            def direct(litellm_model: str = litellm_model, base: str = base, key: str = key) -> Any:
                return litellm.completion(
                    model=litellm_model,
                    messages=MESSAGES,
                    api_base=base,
                    api_key=key,
                    num_retries=0,
                    max_tokens=100,
                )

            def ours(model: Any = model, base: str = base) -> Any:
                return model.complete(MESSAGES, api_base=base, max_tokens=100)

            for _ in range(10):  # warm both paths: imports, tokenizers, connections
                direct()
                ours()
            theirs_times, ours_times = [], []
            for _ in range(CALLS):
                theirs_times.append(timed(direct))
                ours_times.append(timed(ours))
            theirs = statistics.median(theirs_times)
            mine = statistics.median(ours_times)
            print(
                f"{model_id:40} {theirs * 1e3:8.2f}ms {mine * 1e3:8.2f}ms "
                f"{(mine - theirs) * 1e3:8.2f}ms {mine / theirs:6.2f}x"
            )
            fake.reset()


if __name__ == "__main__":
    main()
