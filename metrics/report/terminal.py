"""The short summary table compare.py prints."""
from __future__ import annotations

from .summary import figure

TERMINAL_ROWS = (
    ("files", "files"),
    ("sloc", "SLOC"),
    ("lloc", "LLOC"),
    ("functions", "functions"),
    ("cyclomatic.total", "cyclomatic (sum)"),
    ("cyclomatic.max", "cyclomatic (max)"),
    ("cognitive.total", "cognitive (sum)"),
    ("error_handling.except_handlers", "except handlers"),
    ("error_handling.conditional_writes", "conditional writes"),
    ("error_handling.retry_constructs", "retry constructs"),
    ("error_handling.idempotency_guards", "idempotency guards"),
    ("state_io_calls", "state I/O calls"),
    ("serialization_sites", "serialization sites"),
    ("durable_operation_sites", "durable op sites"),
    ("line_attribution.state", "state mgmt lines"),
    ("line_attribution.error_handling", "error handling lines"),
)


def summary_table(report: dict) -> str:
    names = [name for name, entry in report["implementations"].items() if "static" in entry]
    width = max([len(label) for _, label in TERMINAL_ROWS] + [6])
    columns = [max(len(name), 8) for name in names]
    lines = ["".ljust(width) + "  " + "  ".join(n.rjust(c) for n, c in zip(names, columns))]
    for path, label in TERMINAL_ROWS:
        values = [figure(report["implementations"][n]["static"], path) for n in names]
        lines.append(label.ljust(width) + "  " + "  ".join(str(v).rjust(c) for v, c in zip(values, columns)))
    for name in names:
        for error in report["implementations"][name]["static"]["parse_errors"]:
            lines.append(f"! {name}: {error['file']} does not parse: {error['error']}")
    return "\n".join(lines)
