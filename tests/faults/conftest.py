"""The fault and abuse suite: a session ledger of what every case did, printed as one table at the end.

Every test here asks for ``fault_ledger`` and records its case::

    fault_ledger.record("llm", "429 storm", faults_injected=12, rows_in=8, rows_accounted=8, leaks=0)

``pytest_terminal_summary`` prints the table (with totals) when at least one case was recorded, and writes
it to ``$SPAMLOOP_FAULTS_REPORT`` or ``<basetemp>/faults_report.md``. Leaks must total 0.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from spamloop.settings.label import LabelConfig
from tests.support.llm_server import LLMServer

FAULTS_DIR = Path(__file__).resolve().parent
_LEDGER_KEY = pytest.StashKey["FaultLedger"]()
REPORT_ENV = "SPAMLOOP_FAULTS_REPORT"
COLUMNS = ("category", "case", "faults injected", "bad inputs", "rows in", "rows accounted", "leaks")


@dataclass
class FaultCase:
    category: str
    case: str
    faults_injected: int
    bad_inputs: int
    rows_in: int
    rows_accounted: int
    leaks: int


@dataclass
class FaultLedger:
    """What the fault tests did, in the order they recorded it (thread-safe)."""

    cases: list[FaultCase] = field(default_factory=list)
    report_path: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self,
        category: str,
        case: str,
        *,
        faults_injected: int = 0,
        bad_inputs: int = 0,
        rows_in: int = 0,
        rows_accounted: int = 0,
        leaks: int = 0,
    ) -> None:
        with self._lock:
            self.cases.append(FaultCase(category, case, faults_injected, bad_inputs, rows_in, rows_accounted, leaks))

    def rows(self) -> list[tuple[str, ...]]:
        body = [
            (c.category, c.case, str(c.faults_injected), str(c.bad_inputs), str(c.rows_in), str(c.rows_accounted), str(c.leaks))
            for c in self.cases
        ]
        totals = (
            "TOTAL",
            f"{len(self.cases)} cases",
            *(str(sum(getattr(c, name) for c in self.cases)) for name in ("faults_injected", "bad_inputs", "rows_in", "rows_accounted", "leaks")),
        )
        return [*body, totals]

    def markdown(self) -> str:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(["---", "---"] + ["---:"] * 5) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows()]
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        rows = [COLUMNS, *self.rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]

        def line(row: tuple[str, ...]) -> str:
            return "  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))

        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        rendered = [line(rows[0]), rule, *(line(r) for r in rows[1:-1]), rule, line(rows[-1])]
        return "\n".join(rendered) + "\n"


@pytest.hookimpl(tryfirst=True)  # before -m selection looks at the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/faults carries the ``faults`` marker (select with -m faults)."""
    for item in items:
        if FAULTS_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="session")
def fault_ledger(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> FaultLedger:
    ledger = request.config.stash.get(_LEDGER_KEY, None)
    if ledger is None:
        ledger = FaultLedger()
        request.config.stash[_LEDGER_KEY] = ledger
    override = os.environ.get(REPORT_ENV) or _initial_env(REPORT_ENV)
    ledger.report_path = Path(override) if override else tmp_path_factory.getbasetemp() / "faults_report.md"
    return ledger


def _initial_env(name: str) -> str | None:
    """A variable of the environment this process started with: tests/conftest.py removes every SPAMLOOP_*
    variable from os.environ before any test module loads, but /proc/self/environ keeps the original."""
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:
        return None
    prefix = f"{name}=".encode()
    for entry in raw.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix) :].decode(errors="replace") or None
    return None


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    ledger = config.stash.get(_LEDGER_KEY, None)
    if ledger is None or not ledger.cases:
        return  # no fault test ran in this session
    terminalreporter.section("fault and abuse suite")
    terminalreporter.write(ledger.text())
    leaks = sum(c.leaks for c in ledger.cases)
    unreconciled = sum(c.rows_in - c.rows_accounted for c in ledger.cases)
    terminalreporter.write_line(f"leaks found: {leaks} (must be 0); rows not reconciled: {unreconciled}")
    if ledger.report_path is not None:
        ledger.report_path.parent.mkdir(parents=True, exist_ok=True)
        ledger.report_path.write_text("# Fault and abuse suite\n\n" + ledger.markdown(), encoding="utf-8")
        terminalreporter.write_line(f"table written to {ledger.report_path}")


# --- shared real components ------------------------------------------------------------------------


@pytest.fixture
def label_config(llm_server: LLMServer) -> LabelConfig:
    """Three providers on the local server, each voting on every message (routing off), 4 messages a request, fast
    backoff, no SDK retries."""
    return LabelConfig(
        providers=llm_server.provider_configs(sdk_max_retries=0),
        tiebreak_providers=[],
        batch_size=4,
        backoff_base_s=0.01,
        backoff_max_s=0.05,
        budget_usd=1.0,
    )
