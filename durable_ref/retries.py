"""The step config of every durable step: exponential back-off, except for errors that would recur, and
an attempt whose invocation died counted as a failed attempt.

Both functions use it: the orchestrator's stages (validate, chunk, assemble) give up at once on a
``MediaError`` (bad input, a job id conflict, a missing work object), as the baseline fails the job on
one; anything else (S3, disk, network) is retried, as Lambda retries a baseline stage's invocation error.
The encoder retries a failed encode too, and gives up at once only on a missing chunk.

Steps are ``AT_MOST_ONCE_PER_RETRY``: the SDK waits for an attempt's START checkpoint before running it, and
an attempt whose invocation died (timeout, out of memory) fails with ``StepInterruptedError`` on the next
invocation and goes to the retry strategy. That is the baseline's accounting (every delivery of a stage
counts against its attempts), and a step that kills its invocation every time ends with the stage's or
chunk's error after its attempts. With the SDK's default (``AT_LEAST_ONCE_PER_RETRY``) such an attempt
runs again without counting, until the service gives up on the invocations or the execution times out.
"""
from __future__ import annotations

import sys
from typing import Callable

from aws_durable_execution_sdk_python.config import Duration, StepConfig, StepSemantics
from aws_durable_execution_sdk_python.retries import RetryDecision, RetryStrategyConfig, create_retry_strategy

RetryStrategy = Callable[[Exception, int], RetryDecision]


def backoff(max_attempts: int, initial_delay_s: int, final: tuple[type[Exception], ...]) -> RetryStrategy:
    """Up to ``max_attempts`` attempts (first included), waiting ``initial_delay_s`` then twice as long
    each time (with the SDK's full jitter); an error of a ``final`` type is never retried."""
    retry = create_retry_strategy(
        RetryStrategyConfig(max_attempts=max_attempts, initial_delay=Duration.from_seconds(initial_delay_s))
    )

    def decide(error: Exception, attempts_made: int) -> RetryDecision:
        if isinstance(error, final):
            return RetryDecision.no_retry()
        return retry(error, attempts_made)

    return decide


def step_config(retry_strategy: RetryStrategy) -> StepConfig:
    return StepConfig(retry_strategy=retry_strategy, step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)


def is_error_of(error_type: str | None, base: type[Exception]) -> bool:
    """Whether ``error_type`` (an operation error's recorded ``module.Class``) names a subclass of ``base``.

    Only modules already imported are looked at: every error class a step of ours raises is."""
    module_name, _, class_name = (error_type or "").rpartition(".")
    error_class = getattr(sys.modules.get(module_name), class_name, None)
    return isinstance(error_class, type) and issubclass(error_class, base)
