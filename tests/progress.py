"""A progress line per test file, in place of a row of dots.

When every test of a file has finished (on any pytest-xdist worker), one line says
so: the file, what its tests came to, the time they took together, and how far the
whole run is. A failure or error is named on a line of its own as soon as it is
reported, and summed up at the end as usual; ``-v`` keeps pytest's own output.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

_ORDER = ("failed", "error", "passed", "skipped", "xfailed", "xpassed")
_WORDS = {"passed": "PASSED", "skipped": "SKIPPED", "xfailed": "XFAIL", "xpassed": "XPASS"}


class FileProgress:
    """Counts each file's finished tests and writes its line when the last one ends.

    Registered as a plugin on the process that reports (the xdist controller, or the
    only process): its methods are pytest hooks.
    """

    def __init__(self, reporter: Any) -> None:
        self.reporter = reporter
        self.expected: Counter[str] = Counter()
        self.finished: Counter[str] = Counter()
        self.outcomes: dict[str, Counter[str]] = {}
        self.seconds: dict[str, float] = {}
        self.failed_tests: set[str] = set()
        self.total = 0
        self.done = 0

    def expect(self, nodeids: list[str]) -> None:
        if self.total:
            return  # every xdist worker collects the same tests
        for nodeid in nodeids:
            self.expected[_file(nodeid)] += 1
        self.total = len(nodeids)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.items:
            self.expect([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.expect(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        file = _file(report.nodeid)
        self.seconds[file] = self.seconds.get(file, 0.0) + report.duration
        outcomes = self.outcomes.setdefault(file, Counter())
        if report.failed:
            if report.nodeid not in self.failed_tests:
                self.failed_tests.add(report.nodeid)
                kind = "failed" if report.when == "call" else "error"
                outcomes[kind] += 1
                self.reporter.write_line(f"{kind.upper()} {report.nodeid}", red=True)
        elif report.when == "call" or (report.when == "setup" and report.skipped):
            outcomes[_category(report)] += 1
        if report.when != "teardown":
            return
        self.finished[file] += 1
        self.done += 1
        if self.finished[file] == self.expected.get(file, 0):
            self.write(file)

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        # The category and word still feed the summary; only the letter is dropped.
        if report.failed:
            return ("failed", "", "FAILED") if report.when == "call" else ("error", "", "ERROR")
        if report.when == "call" or report.skipped:
            category = _category(report)
            return category, "", _WORDS[category]
        return None

    def write(self, file: str) -> None:
        outcomes = self.outcomes.get(file, Counter())
        counted = ", ".join(f"{outcomes[kind]} {kind}" for kind in _ORDER if outcomes[kind])
        share = f"{100 * self.done // self.total:3d}%" if self.total else ""
        self.reporter.write_line(
            f"[{share}] {file}: {counted or 'no tests'} in {self.seconds.get(file, 0.0):.1f} s",
            red=bool(outcomes["failed"] or outcomes["error"]),
        )


def _category(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    return report.outcome


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    reporter = config.pluginmanager.getplugin("terminalreporter")
    if reporter is None or hasattr(config, "workerinput") or config.option.verbose > 0:
        return
    reporter.showfspath = False  # the file's line names it
    config.pluginmanager.register(FileProgress(reporter), "llm-catalog-file-progress")
