"""The context object Lambda passes to a handler, as far as the baseline uses it."""
from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class LocalLambdaContext:
    function_name: str
    aws_request_id: str
    timeout_s: float = 900.0
    memory_limit_in_mb: int = 1769
    _deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
