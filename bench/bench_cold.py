"""``select`` in a cold process, against the same question asked of litellm, and ``python -c pass``.

Each command is a fresh interpreter (``sys.executable -c ...``, the same
environment for all), run ``--rounds`` times (15 by default); the commands
alternate and their order rotates every round, so drift on a shared machine
falls on all of them:

* ours: ``from llm_catalog import select; select(vision=True, max_cost=0.01)``
  with ``LLM_CATALOG_CACHE_DIR`` pointed at a temporary directory, warmed by
  two untimed runs so that the compiled catalog cache is in place;
* ours, no cache yet: the same, each run with a fresh, empty cache directory,
  so that every run is a first run that builds the cache;
* the peer: ``import litellm`` and the filter of ``bench/bench_select.py``
  (chat mode, ``supports_vision``, cost of 1,000 input and 1,000 output tokens
  at most $0.01) over ``litellm.model_cost``, with
  ``LITELLM_LOCAL_MODEL_COST_MAP=True`` so the bundled price map is read and
  nothing is downloaded;
* the floor: ``python -c pass``.

Both sides print how many models they found, and the figures show them: the
two answer the same question over different data (this catalog's models,
litellm's entries).

Wall time is from spawning the process to reaping it. Peak RSS is each
process's own: on Linux its ``VmHWM`` (the high-water mark of its memory since
``exec``), which each command prints from ``/proc/self/status`` as its last
act. ``os.wait4``'s ``ru_maxrss`` is printed beside it as a check, but on
Linux it is never below this benchmark's own peak, which ``exec`` carries into
the child; elsewhere it is the only figure.

``.pyc`` files are warm: every command runs untimed before the timed rounds,
and ``PYTHONDONTWRITEBYTECODE`` is removed from the environment, so bytecode is
written once and read after, as in an installed package.

Last, informational: which of the heavy packages (litellm, openai, httpx,
pydantic, yaml, ...) a process has imported after a warm ``select``.

Run: ``pip install -e '.[bench]'`` (for the peer, litellm), then
``python bench/bench_cold.py [--rounds N]``. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# This process stays small on purpose: it imports neither llm_catalog nor litellm,
# since on Linux a child's ru_maxrss is never below its parent's peak.

REPO = Path(__file__).resolve().parent.parent
BENCH_SELECT = REPO / "bench" / "bench_select.py"
PROC_STATUS = Path("/proc/self/status")

OURS = "from llm_catalog import select\nprint(len(select(vision=True, max_cost=0.01)))\n"
FLOOR = "pass\n"
# Appended to every command: the process's own peak RSS, read as its last act.
PEAK = (
    "for _line in open('/proc/self/status'):\n"
    "    if _line.startswith('VmHWM:'):\n"
    "        print('peak_kib', _line.split()[1])\n"
)
HEAVY = (
    "litellm",
    "openai",
    "httpx",
    "tiktoken",
    "pydantic",
    "yaml",
    "jsonschema",
    "redis",
    "limits",
    "tenacity",
    "platformdirs",
)
IMPORTS = (
    "import sys\n"
    "from llm_catalog import select\n"
    "select(vision=True, max_cost=0.01)\n"
    f"heavy = {set(HEAVY)!r}\n"
    "print(len(sys.modules))\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
)


def peer_code() -> str:
    """``import litellm`` and the filter of bench_select.py, its source copied so both ask the same."""
    tree = ast.parse(BENCH_SELECT.read_text(encoding="utf-8"))
    source = BENCH_SELECT.read_text(encoding="utf-8")
    constants: list[str] = []
    function = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in ("TOKENS", "MAX_COST") for t in node.targets
        ):
            constants.append(ast.get_source_segment(source, node) or "")
        elif isinstance(node, ast.FunctionDef) and node.name == "litellm_select":
            function = ast.get_source_segment(source, node)
    if function is None or len(constants) != 2:
        raise SystemExit(f"{BENCH_SELECT}: litellm_select, TOKENS or MAX_COST not found")
    return "\n".join(
        [
            "from __future__ import annotations",  # the function's annotations stay unevaluated
            "import litellm",
            *constants,
            function,
            "print(len(litellm_select(litellm.model_cost)))",
            "",
        ]
    )


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_kib: int | None  # VmHWM, the process's own
    maxrss_kib: int  # from os.wait4
    output: list[str]  # stdout lines, the peak line taken out


def maxrss_kib(value: int) -> int:
    return value // 1024 if sys.platform == "darwin" else value  # bytes on macOS


def spawn(code: str, env: Mapping[str, str]) -> Run:
    """Run ``sys.executable -c code`` to the end; its wall time, peak RSS and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", code], stdout=out, stderr=err, env=env, cwd=REPO
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().decode().splitlines()
        if process.returncode != 0:
            raise SystemExit(
                f"exit {process.returncode} from:\n{textwrap.indent(code, '    ')}\n"
                f"{err.read().decode()}"
            )
    peak = None
    if lines and lines[-1].startswith("peak_kib "):
        peak = int(lines.pop().split()[1])
    return Run(seconds, peak, maxrss_kib(usage.ru_maxrss), lines)


@dataclass
class Command:
    label: str
    code: str
    env: Callable[[], Mapping[str, str]]  # called before each run
    runs: list[Run]


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def show(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1e3:.0f} ms"


def peak(command: Command) -> float:
    """Median peak RSS in KiB: VmHWM where the process gave it, else ru_maxrss."""
    return statistics.median(
        r.peak_kib if r.peak_kib is not None else r.maxrss_kib for r in command.runs
    )


def median(command: Command) -> float:
    return statistics.median(r.seconds for r in command.runs)


def least(command: Command) -> float:
    return min(r.seconds for r in command.runs)


def matches(command: Command) -> str:
    found = {r.output[0] for r in command.runs if r.output}
    if not found:
        return "-"
    return found.pop() if len(found) == 1 else f"varies: {', '.join(sorted(found))}"


def print_table(commands: list[Command]) -> None:
    head = f"{'':34}{'matches':>8}{'median':>10}{'min':>10}{'peak RSS':>12}{'ru_maxrss':>12}"
    print(head)
    print("-" * len(head))
    for c in commands:
        maxrss = statistics.median(r.maxrss_kib for r in c.runs)
        print(
            f"{c.label:34}{matches(c):>8}{show(median(c)):>10}{show(least(c)):>10}"
            f"{mib(peak(c)):>12}{mib(maxrss):>12}"
        )


def print_ratios(ours: Command, fresh: Command, peer: Command | None, floor: Command) -> None:
    print()
    if peer is not None:
        print(
            f"litellm / ours, time:      {median(peer) / median(ours):6.1f}x median, "
            f"{least(peer) / least(ours):.1f}x min   (goal >= 30x)"
        )
        print(
            f"ours / litellm, peak RSS:  {peak(ours) / peak(peer):6.2f}              (goal <= 0.2)"
        )
    print(
        f"ours / floor, time:        {median(ours) / median(floor):6.1f}x median "
        f"(+{show(median(ours) - median(floor))} over the interpreter's start)"
    )
    print(
        f"ours / floor, peak RSS:    {peak(ours) / peak(floor):6.1f}x "
        f"(+{mib(peak(ours) - peak(floor))})"
    )
    print(
        f"no cache yet / cache warm: {median(fresh) / median(ours):6.1f}x median time, "
        f"{peak(fresh) / peak(ours):.1f}x peak RSS"
    )


def cache_state(directory: Path) -> str:
    files = [p for p in directory.rglob("*") if p.is_file()]
    if not files:
        return (
            "compiled cache: nothing written to LLM_CATALOG_CACHE_DIR, so every run of "
            "ours reads and checks the YAML sources (no cache yet in this version)"
        )
    size = sum(p.stat().st_size for p in files)
    return (
        f"compiled cache: {len(files)} file(s), {size / 1024:,.0f} KiB, written by the warm-up runs"
    )


def print_imports(env: Mapping[str, str]) -> None:
    output = spawn(IMPORTS, env).output
    count, modules = int(output[0]), ast.literal_eval(output[1])
    packages = Counter(m.split(".")[0] for m in modules)
    print(f"\nafter a warm select, in a fresh process: {count} modules in sys.modules; of")
    print(f"{', '.join(HEAVY)}:")
    if not modules:
        print("  none")
        return
    print("  " + ", ".join(f"{p} ({n})" for p, n in sorted(packages.items())))
    print(textwrap.fill(", ".join(modules), width=100, initial_indent="  ", subsequent_indent="  "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15, help="runs of each command (15)")
    rounds = parser.parse_args().rounds

    base = dict(os.environ)
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base.pop("LLM_CATALOG_CACHE", None)  # "off" would hide the compiled cache
    base.pop("LLM_CATALOG_PATH", None)  # the shipped catalog only
    base["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    suffix = PEAK if PROC_STATUS.exists() else ""
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        warm = Path(scratch, "warm")
        warm.mkdir()
        env = {**base, "LLM_CATALOG_CACHE_DIR": str(warm)}
        fresh_dirs = iter(range(1_000_000))

        def fresh_env() -> Mapping[str, str]:
            directory = Path(scratch, f"fresh-{next(fresh_dirs)}")
            directory.mkdir()
            return {**base, "LLM_CATALOG_CACHE_DIR": str(directory)}

        ours = Command("ours: select, cache warm", OURS + suffix, lambda: env, [])
        fresh = Command("ours: select, no cache yet", OURS + suffix, fresh_env, [])
        floor = Command("floor: python -c pass", FLOOR + suffix, lambda: env, [])
        commands = [ours, fresh]
        try:
            litellm_version: str | None = version("litellm")
        except PackageNotFoundError:
            litellm_version = None
        peer = None
        if litellm_version is not None:
            peer = Command("litellm: model_cost filtered", peer_code() + suffix, lambda: env, [])
            commands.append(peer)
        commands.append(floor)

        print("select(vision=True, max_cost=0.01) in a cold process: chat models that take images")
        print("and cost at most $0.01 for 1,000 input + 1,000 output tokens")
        print(
            f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
            f"llm-catalog {version('llm-catalog')}, "
            f"litellm {litellm_version or 'not installed'}; {rounds} runs of each, alternating\n"
        )
        # Untimed: ours twice, so its cache is built and then read; the others once, for .pyc.
        for command in (ours, ours, fresh, *commands[2:]):
            spawn(command.code, command.env())
        print(cache_state(warm))
        for round_ in range(rounds):
            turn = round_ % len(commands)
            for command in commands[turn:] + commands[:turn]:
                command.runs.append(spawn(command.code, command.env()))
            for directory in Path(scratch).glob("fresh-*"):
                shutil.rmtree(directory)
        print_table(commands)
        print(
            "(peak RSS: each process's own VmHWM where /proc has it; ru_maxrss from os.wait4,"
            " which on Linux\n is at least this benchmark's own peak)"
            if suffix
            else "(peak RSS: ru_maxrss from os.wait4)"
        )
        if peer is None:
            print(
                "\nlitellm is not installed: pip install litellm (or pip install -e '.[bench]') "
                "to compare; llm-catalog's figures are above."
            )
        print_ratios(ours, fresh, peer, floor)
        print_imports(env)


if __name__ == "__main__":
    main()
