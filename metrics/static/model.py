"""Plain records of what the static analysis found: findings, functions, per-line facts of one file."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class FindingKind(str, Enum):
    """What a finding is. The values are the JSON names."""

    TRY_BLOCK = "try_block"
    EXCEPT_HANDLER = "except_handler"
    FINALLY_BLOCK = "finally_block"
    RAISE_STATEMENT = "raise_statement"
    CONDITIONAL_WRITE = "conditional_write"
    RETRY_CONSTRUCT = "retry_construct"
    IDEMPOTENCY_GUARD = "idempotency_guard"
    STATE_IO_CALL = "state_io_call"
    SERIALIZATION_SITE = "serialization_site"
    DURABLE_OPERATION_SITE = "durable_operation_site"


# The error_handling figures of report.json, in this order.
ERROR_HANDLING_KINDS: dict[FindingKind, str] = {
    FindingKind.TRY_BLOCK: "try_blocks",
    FindingKind.EXCEPT_HANDLER: "except_handlers",
    FindingKind.FINALLY_BLOCK: "finally_blocks",
    FindingKind.RAISE_STATEMENT: "raise_statements",
    FindingKind.CONDITIONAL_WRITE: "conditional_writes",
    FindingKind.RETRY_CONSTRUCT: "retry_constructs",
    FindingKind.IDEMPOTENCY_GUARD: "idempotency_guards",
}
STATE_KINDS: dict[FindingKind, str] = {
    FindingKind.STATE_IO_CALL: "state_io_calls",
    FindingKind.SERIALIZATION_SITE: "serialization_sites",
    FindingKind.DURABLE_OPERATION_SITE: "durable_operation_sites",
}


class LineClass(str, Enum):
    """What a source line does, for the attribution of lines (the coloured source view)."""

    MEDIA = "media"
    ORCHESTRATION = "orchestration"
    STATE = "state"
    ERROR_HANDLING = "error_handling"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    line: int
    end_line: int
    function: str | None
    detail: str
    file: str = ""
    stage: str = ""
    through: str | None = None  # the state wrapper this call site goes through
    inside: str | None = None  # the state wrapper whose own body holds this call
    how: str = "syntax"  # "syntax": the call's own text sufficed; "data_flow": resolved through data flow
    service: str | None = None  # "dynamodb", "s3" for state I/O and conditional writes, when known
    operation: str | None = None  # the AWS API, "UpdateItem", when known

    def to_dict(self) -> dict:
        found = {"kind": self.kind.value, "file": self.file, "line": self.line, "end_line": self.end_line,
                 "function": self.function, "stage": self.stage, "detail": self.detail, "how": self.how}
        if self.service:
            found["service"] = self.service
        if self.operation:
            found["operation"] = self.operation
        return found


@dataclass(frozen=True)
class Mark:
    """Lines `first..last` that do the work of `line_class`; higher `priority` wins where marks overlap."""

    first: int
    last: int
    line_class: LineClass
    priority: int


@dataclass
class FunctionMetrics:
    """One block as `radon cc` lists it: a module-level function or a method of a module-level class."""

    name: str
    kind: str  # "function" or "method"
    line: int
    end_line: int
    stage: str = ""
    cyclomatic: int = 0
    cognitive: int = 0
    lizard_ccn: int | None = None
    sloc: int = 0
    ccn_note: str | None = None  # why radon and lizard disagree on this function, where they do
    cognitive_increments: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "line": self.line, "end_line": self.end_line,
                "stage": self.stage, "cyclomatic": self.cyclomatic, "cognitive": self.cognitive,
                "lizard_ccn": self.lizard_ccn, "sloc": self.sloc, "ccn_note": self.ccn_note}
