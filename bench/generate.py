"""A realistic synthetic catalog of any size, for benchmarks.

``generate_catalog(n, seed)`` builds a :class:`~llm_catalog.query.catalog.Catalog` of
``n`` models spread unevenly over 20 providers (``provider-k/model-i``), with
distributions shaped like the real catalogs': mostly active chat models, some
embedding and other modes, about 60% of chat models taking images, context
windows from 8k to 2M, prices from a set of real per-million prices (about 5%
unpriced), some cached-input, cache-write and batch prices, some long-context
tiers and some price history. The same ``n`` and ``seed`` give the same catalog.

Run ``python bench/generate.py N OUTDIR [SEED]`` to write the catalog as YAML
files in the catalog format, one per provider, for benchmarks of loading and
validation (``llm-catalog validate --no-shipped OUTDIR``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, TypeVar

from llm_catalog.data.records import Model, Provider
from llm_catalog.query.catalog import Catalog

__all__ = ["PROVIDERS", "generate_catalog", "generate_records", "write_catalog"]

PROVIDERS = 20
CHECKED = "2026-11-25"
_FIRST_RELEASE = dt.date(2023, 3, 1)
_LAST_RELEASE = dt.date(2026, 11, 1)

T = TypeVar("T")


class _Weighted(Generic[T]):
    """Values drawn with the given weights (cumulative weights computed once)."""

    def __init__(self, *weighted: tuple[T, float]) -> None:
        self.values = [value for value, _ in weighted]
        self.cumulative = list(itertools.accumulate(weight for _, weight in weighted))

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


# Weighted choices: (value, weight).
MODES = _Weighted(
    ("chat", 86),
    ("embedding", 8),
    ("image_generation", 2),
    ("audio_transcription", 1.5),
    ("audio_speech", 1),
    ("rerank", 1),
    ("moderation", 0.5),
)
STATUSES = _Weighted(("active", 82), ("preview", 6), ("deprecated", 9), ("retired", 3))
CONTEXT_WINDOWS = _Weighted(
    (8_192, 6),
    (16_384, 5),
    (32_768, 10),
    (65_536, 6),
    (128_000, 30),
    (131_072, 12),
    (200_000, 12),
    (256_000, 6),
    (400_000, 4),
    (1_000_000, 4),
    (1_048_576, 4),
    (2_000_000, 1),
)
MAX_OUTPUTS = (4_096, 8_192, 16_384, 32_768, 65_536, 128_000)
# (input, output) US dollars per million tokens, as real chat models are priced.
CHAT_PRICES = tuple(
    (Decimal(i), Decimal(o))
    for i, o in (
        ("0.02", "0.1"),
        ("0.05", "0.4"),
        ("0.075", "0.3"),
        ("0.1", "0.4"),
        ("0.15", "0.6"),
        ("0.2", "0.6"),
        ("0.25", "1.25"),
        ("0.3", "2.5"),
        ("0.4", "1.6"),
        ("0.5", "1.5"),
        ("0.6", "2.4"),
        ("0.8", "4"),
        ("1", "5"),
        ("1.1", "4.4"),
        ("1.25", "10"),
        ("2", "8"),
        ("2.5", "10"),
        ("3", "15"),
        ("5", "25"),
        ("10", "30"),
        ("15", "60"),
        ("15", "75"),
    )
)
EMBEDDING_PRICES = tuple(Decimal(p) for p in ("0.02", "0.05", "0.1", "0.13", "0.15", "0.2"))
CACHED_FRACTIONS = (Decimal("0.1"), Decimal("0.25"), Decimal("0.5"))
PARAMS = (
    "temperature",
    "top_p",
    "max_tokens",
    "stop",
    "seed",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "stream",
    "user",
    "presence_penalty",
    "frequency_penalty",
    "logprobs",
    "reasoning_effort",
)


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _provider(k: int, rng: random.Random) -> dict[str, Any]:
    pid = f"provider-{k}"
    return {
        "id": pid,
        "name": f"Provider {k}",
        "litellm_provider": pid,
        "api_key_env": [f"PROVIDER_{k}_API_KEY"],
        "api_base": f"https://api.{pid}.example/v1",
        "docs_url": f"https://docs.{pid}.example/models",
        "pricing_url": f"https://{pid}.example/pricing",
        "params": [p for p in PARAMS if p != "reasoning_effort" and rng.random() < 0.8],
        "provenance": {"sources": [f"https://{pid}.example/pricing"], "checked": CHECKED},
    }


def _capabilities(rng: random.Random, mode: str) -> dict[str, bool]:
    if mode != "chat":
        return {"streaming": True} if rng.random() < 0.2 else {}
    odds = {
        "function_calling": 0.8,
        "parallel_tool_calls": 0.5,
        "structured_output": 0.6,
        "json_mode": 0.7,
        "streaming": 0.95,
        "reasoning": 0.3,
        "prompt_caching": 0.4,
        "system_messages": 0.9,
        "temperature": 0.8,
    }
    found = {name: True for name, p in odds.items() if rng.random() < p}
    if not found.get("function_calling"):
        found.pop("parallel_tool_calls", None)
    return found


def _modalities(rng: random.Random, mode: str) -> dict[str, list[str]] | None:
    if mode == "chat":
        inputs = ["text"]
        if rng.random() < 0.6:
            inputs.append("image")
            inputs += [
                m for m, p in (("pdf", 0.3), ("audio", 0.1), ("video", 0.05)) if rng.random() < p
            ]
        outputs = ["text", "image"] if rng.random() < 0.03 else ["text"]
    elif mode == "embedding":
        inputs, outputs = (["text", "image"] if rng.random() < 0.2 else ["text"]), ["text"]
    elif mode == "image_generation":
        inputs, outputs = (["text", "image"] if rng.random() < 0.5 else ["text"]), ["image"]
    elif mode == "audio_transcription":
        inputs, outputs = ["audio"], ["text"]
    elif mode == "audio_speech":
        inputs, outputs = ["text"], ["audio"]
    else:
        return None
    if inputs == ["text"] and outputs == ["text"]:
        return None  # the default, left out as the shipped files do
    return {"input": inputs, "output": outputs}


def _pricing(
    rng: random.Random, mode: str, context: int, caching: bool, released: dt.date, source: str
) -> dict[str, Any] | None:
    if rng.random() < 0.05:
        return None  # unpriced: unknown, never free
    pricing: dict[str, Any] = {}
    if mode == "chat":
        pricing["input"], pricing["output"] = rng.choice(CHAT_PRICES)
    elif mode in ("embedding", "rerank", "moderation"):
        pricing["input"] = rng.choice(EMBEDDING_PRICES)
    else:
        pricing["input"], pricing["output"] = rng.choice(CHAT_PRICES[8:])
    if caching:
        pricing["cached_input"] = pricing["input"] * rng.choice(CACHED_FRACTIONS)
        if rng.random() < 0.3:
            pricing["cache_write"] = pricing["input"] * Decimal("1.25")
    if mode == "chat" and context > 200_000 and rng.random() < 0.4:
        threshold = 200_000 if context > 272_000 and rng.random() < 0.5 else 128_000
        pricing["tiers"] = [
            {
                "above_input_tokens": threshold,
                "input": pricing["input"] * 2,
                "output": pricing["output"] * Decimal("1.5"),
            }
        ]
        if rng.random() < 0.2:
            pricing["tier_billing"] = "marginal"
    if mode in ("chat", "embedding") and rng.random() < 0.3:
        pricing["batch"] = {k: pricing[k] / 2 for k in ("input", "output") if k in pricing}
    if rng.random() < 0.05:
        since = released + dt.timedelta(days=rng.randrange(60, 400))
        earlier = {k: pricing[k] * Decimal("1.5") for k in ("input", "output") if k in pricing}
        pricing["history"] = [{"effective_from": released.isoformat(), **earlier}]
        pricing["effective_from"] = since.isoformat()
    pricing["source"] = source
    return pricing


def generate_records(
    n: int, seed: int = 0
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Provider records and, per provider id, model entries as a catalog file holds them.

    Model ids are short (``model-i``); prices are Decimals; dates are 'YYYY-MM-DD' strings.
    """
    rng = random.Random(seed)
    providers = [_provider(k, rng) for k in range(PROVIDERS)]
    # A few large providers and a long tail, as in real catalogs.
    spread = _Weighted(*[(k, 1 / (k + 1) ** 0.6) for k in range(PROVIDERS)])
    entries: dict[str, list[dict[str, Any]]] = {p["id"]: [] for p in providers}
    current: dict[str, list[str]] = {p["id"]: [] for p in providers}
    for i in range(n):
        k = spread.pick(rng)
        pid = f"provider-{k}"
        mode = MODES.pick(rng)
        status = STATUSES.pick(rng)
        released = _day(rng, _FIRST_RELEASE, _LAST_RELEASE)
        entry: dict[str, Any] = {"id": f"model-{i}", "name": f"Model {i}"}
        if mode != "chat":
            entry["mode"] = mode
        if status != "active":
            entry["status"] = status
        if rng.random() < 0.9:
            entry["release_date"] = released.isoformat()
        if status in ("deprecated", "retired"):
            deprecated = released + dt.timedelta(days=rng.randrange(180, 700))
            entry["deprecation_date"] = deprecated.isoformat()
            if status == "retired" or rng.random() < 0.5:
                retired = deprecated + dt.timedelta(days=rng.randrange(30, 365))
                entry["retirement_date"] = retired.isoformat()
            if current[pid]:
                entry["successor"] = f"{pid}/{rng.choice(current[pid])}"
        else:
            current[pid].append(entry["id"])
        if mode == "chat" and rng.random() < 0.5:
            cutoff = released - dt.timedelta(days=rng.randrange(90, 400))
            entry["knowledge_cutoff"] = f"{cutoff:%Y-%m}"
        chat = mode == "chat"
        context = CONTEXT_WINDOWS.pick(rng) if chat else rng.choice((8_192, 8_192, 32_768))
        limits: dict[str, int] = {"context_window": context}
        if mode == "chat" and rng.random() < 0.85:
            limits["max_output_tokens"] = rng.choice([o for o in MAX_OUTPUTS if o <= context])
        entry["limits"] = limits
        modalities = _modalities(rng, mode)
        if modalities is not None:
            entry["modalities"] = modalities
        capabilities = _capabilities(rng, mode)
        if capabilities:
            entry["capabilities"] = capabilities
        if rng.random() < 0.2:
            entry["params"] = sorted(rng.sample(PARAMS, rng.randrange(3, 10)))
        source = f"https://{pid}.example/pricing"
        caching = bool(capabilities.get("prompt_caching"))
        pricing = _pricing(rng, mode, context, caching, released, source)
        if pricing is not None:
            entry["pricing"] = pricing
        entry["provenance"] = {"sources": [source], "checked": CHECKED}
        entries[pid].append(entry)
    return providers, entries


def generate_catalog(n: int, seed: int = 0) -> Catalog:
    """A synthetic catalog of ``n`` models over 20 providers, the same for the same seed."""
    provider_records, entries = generate_records(n, seed)
    providers = {p["id"]: Provider.model_validate(p) for p in provider_records}
    models: dict[str, Model] = {}
    for pid, found in entries.items():
        for entry in found:
            full = f"{pid}/{entry['id']}"
            models[full] = Model.model_validate({**entry, "id": full, "provider": pid})
    return Catalog(providers, models, aliases={}, origins={}, files=())


def _plain(value: Any) -> Any:
    """Decimals as plain YAML numbers (ints where whole), recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def write_catalog(n: int, outdir: Path, seed: int = 0) -> list[Path]:
    """Write the catalog of ``generate_catalog(n, seed)`` as one YAML file per provider."""
    import yaml

    provider_records, entries = generate_records(n, seed)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for provider in provider_records:
        document = {"provider": provider, "models": _plain(entries[provider["id"]])}
        path = outdir / f"{provider['id']}.yaml"
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
        path.write_text(
            f"# Synthetic catalog for benchmarks: bench/generate.py {n} (seed {seed}).\n{text}",
            encoding="utf-8",
        )
        written.append(path)
    return written


def main(argv: Sequence[str]) -> int:
    if len(argv) not in (2, 3) or not argv[0].isdigit():
        print("usage: python bench/generate.py N OUTDIR [SEED]", file=sys.stderr)
        return 2
    n, outdir = int(argv[0]), Path(argv[1])
    seed = int(argv[2]) if len(argv) == 3 else 0
    files = write_catalog(n, outdir, seed)
    print(f"wrote {n} models in {len(files)} files to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
