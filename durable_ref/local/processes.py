"""Every durable invocation in its own worker process, the durable "service" in this one: crashes are real.

The service is the SDK's ``DurableFunctionTestRunner`` in the parent process; its execution store
survives every worker. Both functions are registered as callables that fork a worker process per
invocation (``multiprocessing``'s fork context). The worker runs the deployed handler with a proxy in
place of the runner's ``service_client``: each checkpoint and get-state call goes back over the worker's
pipe to the parent's real client, and the answer comes back the same way. S3 is moto's HTTP server, so a
worker that ends with ``os._exit`` leaves behind exactly the objects and checkpoints it had written. The
parent sees the pipe close without an answer and raises ``WorkerDied``: the runner treats that as a
failed invocation and invokes the execution again, which replays it from its checkpoints.

The runner waits ``Executor.RETRY_BACKOFF_SECONDS`` (5 s) before re-invoking after a failed invocation;
``ProcessRunner`` sets it to ``retry_backoff_s`` (default 0, as the baseline's local invoker retries at
once) on its own runner's executor, so that a crash matrix is affordable.

Inside the worker, every S3 call (botocore ``before-call``/``after-call`` on the worker's Session) and
every checkpoint call is a *site*; a ``SiteHook`` given by the caller runs at each one, before and after,
and may end the process there.
"""
from __future__ import annotations

import collections
import contextlib
import faulthandler
import itertools
import json
import os
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import boto3
from aws_durable_execution_sdk_python import StepContext
from aws_durable_execution_sdk_python.execution import (
    DurableExecutionInvocationInput,
    DurableExecutionInvocationInputWithClient,
)
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner
from aws_durable_execution_sdk_python_testing.stores.memory import InMemoryExecutionStore

import media
from local_aws.workers import (
    FORK, FORK_LOCK, Channel, SiteHook, WorkerDied, WorkerOptions, join_worker, outcome_of, warm_session,
)
from media import EncodeError, PipelineSettings, layout

from .. import config, encoder, orchestrator, storage
from .instrument import STEP_FACTORIES, StepRecorder, around, chunk_index, run_timed
from .runner import EXECUTION_TIMEOUT_S, _key_safe, job_report

FUNCTIONS = ("orchestrator", "encoder")


@dataclass(frozen=True)
class Site:
    """A point in a worker where it could die: just before or just after one S3 call or checkpoint call."""

    function: str  # "orchestrator" or "encoder"
    request_id: str
    attempt: int  # the n-th invocation of this execution
    #: The step whose code is running ("validate", "chunk", "assemble", "cleanup", "encode") for an S3
    #: call; "checkpoint" for a checkpoint call.
    scope: str
    #: Index of the S3 call within the step's execution, or of the checkpoint call within the invocation.
    step: int
    operation: str  # "s3.GetObject", ..., or "checkpoint"
    when: str  # "before" or "after"
    #: For a checkpoint call: the updates it carries, as "NAME:ACTION" ("chunk:SUCCEED").
    details: tuple[str, ...] = ()
    chunk: int | None = None


@dataclass
class InvocationRecord:
    function: str
    request_id: str
    attempt: int
    started: float
    ended: float = 0.0
    #: "returned"; "raised" (an invocation error); "crashed" (ended at a site, exit 137); "died" (ended
    #: without a result otherwise, e.g. at its timeout).
    outcome: str = "running"
    exit_code: int | None = None
    operations: list[str] = field(default_factory=list)
    #: (scope, step, operation, details) of every S3 and checkpoint call, in the order they started.
    sites: list[tuple] = field(default_factory=list)
    error: str | None = None


@dataclass
class WorkerStats:
    invocations: list[InvocationRecord] = field(default_factory=list)
    operations: collections.Counter = field(default_factory=collections.Counter)
    work: collections.Counter = field(default_factory=collections.Counter)
    encodes: collections.Counter = field(default_factory=collections.Counter)
    output_writes: int = 0
    steps: StepRecorder = field(default_factory=StepRecorder)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def as_dict(self) -> dict:
        by_service = collections.Counter()
        for operation, count in self.operations.items():
            by_service[operation.split(".")[0]] += count
        return {
            "invocations": len(self.invocations),
            "invocations_by_function": dict(collections.Counter(r.function for r in self.invocations)),
            "crashed_invocations": sum(r.outcome == "crashed" for r in self.invocations),
            "died_invocations": sum(r.outcome == "died" for r in self.invocations),
            "failed_invocations": sum(r.outcome == "raised" for r in self.invocations),
            "operations": dict(self.operations),
            "operations_by_service": dict(by_service),
            # The durable side's state store is the checkpoint API; its media store is S3.
            "storage_ops": by_service["s3"] + by_service["checkpoint"] + by_service["get_state"],
            "work": dict(self.work),
            "encodes": {int(k): v for k, v in sorted(self.encodes.items())},
            "output_writes": self.output_writes,
        }


class DurableExecutionNameTaken(Exception):
    """An execution with this name exists for another input (Lambda's DurableExecutionAlreadyStartedException)."""


class ProcessRunner:
    """Both durable functions in the SDK's runner, each invocation in a worker process; S3 at ``endpoint_url``.

    Use as a context manager. ``submit`` starts an execution the way a client invokes the orchestrator:
    with ``DurableExecutionName`` = the job id by default. The runner (1.4.0) does not enforce execution
    names, so ``submit`` applies Lambda's documented rule itself: the same name and payload return the
    existing execution, the same name with another payload is refused.
    """

    def __init__(
        self,
        endpoint_url: str,
        *,
        settings: PipelineSettings = PipelineSettings(),
        options: WorkerOptions = WorkerOptions(),
        retry_backoff_s: float = 0.0,
        cpu: Any | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.options = options
        self.config = replace(config.DurableRefConfig.from_environment(), settings=settings)
        self.stats = WorkerStats()
        self.store = InMemoryExecutionStore()
        self._template = warm_session(endpoint_url, ("s3",))
        with FORK_LOCK:
            self.s3 = self._template.client("s3", endpoint_url=endpoint_url)
        #: At most one ffmpeg encode per core across all workers (pass one ``FORK.BoundedSemaphore`` to
        #: runners that run side by side).
        self._cpu = cpu if cpu is not None else FORK.BoundedSemaphore(os.cpu_count() or 1)
        self._submit_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._attempts: collections.Counter = collections.Counter()
        self._retry_backoff_s = retry_backoff_s
        self._stack = contextlib.ExitStack()
        self.runner: DurableFunctionTestRunner | None = None

    def __enter__(self) -> "ProcessRunner":
        self.runner = self._stack.enter_context(
            DurableFunctionTestRunner(_InWorker("orchestrator", self), store=self.store, skip_time=True)
        )
        # Set on this runner's executor only (the class keeps 5 s), so that runners side by side and the
        # in-process harness are unaffected.
        self.runner._executor.RETRY_BACKOFF_SECONDS = self._retry_backoff_s
        self.runner.register_durable_function(self.config.encoder_function, _InWorker("encoder", self))
        _ensure_bucket(self.s3, self.config.bucket)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def upload(self, video: Path, job_id: str, name: str | None = None) -> str:
        key = layout.input_key(job_id, name or _key_safe(Path(video).name))
        self.s3.upload_file(str(video), self.config.bucket, key)
        return key

    def submit(self, job_id: str, input_key: str, *, execution_name: str | None = "") -> str:
        """Start the job's execution and return its ARN; ``execution_name`` defaults to the job id, None
        starts an unnamed execution (as an invoke without ``DurableExecutionName`` does)."""
        payload = json.dumps({"job_id": job_id, "input_key": input_key})
        name = job_id if execution_name == "" else execution_name
        with self._submit_lock:
            if name is not None:
                for execution in self.store.list_all():
                    if execution.parent_execution_arn is None and execution.start_input.execution_name == name:
                        if execution.start_input.input != payload:
                            raise DurableExecutionNameTaken(f"job id {job_id} is already used for another input")
                        return execution.durable_execution_arn
            return self.runner.run_async(
                input=payload, execution_timeout=EXECUTION_TIMEOUT_S,
                execution_name=name or f"unnamed-{next(self._ids)}",
            )

    def wait(self, arn: str) -> Any:
        return self.runner.wait_for_result(arn, timeout=EXECUTION_TIMEOUT_S)

    def result(self, arn: str, job_id: str, output: Path | None, duration_s: float) -> dict:
        """The CLI's JSON fields (as ``run_local`` returns them) plus ``workers``."""
        report = job_report(self.store, arn, self.stats.steps, job_id, duration_s, output,
                            lambda key, path: self.s3.download_file(self.config.bucket, key, str(path)))
        return {**report, "workers": self.stats.as_dict()}

    # -- the parent's side of a worker --------------------------------------------------------------

    def run_in_worker(self, function: str, event: DurableExecutionInvocationInputWithClient, context: Any) -> dict:
        service = event.service_client
        plain = DurableExecutionInvocationInput(
            durable_execution_arn=event.durable_execution_arn,
            checkpoint_token=event.checkpoint_token,
            initial_execution_state=event.initial_execution_state,
            updated_operation_ids=event.updated_operation_ids,
        )
        with self._submit_lock:
            self._attempts[event.durable_execution_arn] += 1
            attempt = self._attempts[event.durable_execution_arn]
        record = InvocationRecord(function, f"{function}-{next(self._ids)}", attempt, time.perf_counter())
        setup = _WorkerSetup(self.config, self.endpoint_url, self._template, self.options)
        with FORK_LOCK:
            parent_end, worker_end = FORK.Pipe()
            worker = FORK.Process(
                target=_worker_main, args=(function, record.request_id, attempt, plain, context, worker_end, setup),
                name=f"durable-{function}", daemon=True,
            )
            worker.start()
            worker_end.close()
        answer: dict | None = None
        cores = _CoresHeld(self._cpu)
        with parent_end:
            while True:
                try:
                    message = parent_end.recv()
                    answer = self._on_message(message, record, service, parent_end, cores) or answer
                except (EOFError, OSError):
                    # The worker is gone: its end closed (EOF), or reset because it died with an answer
                    # of ours unread, or it died while we answered it (broken pipe).
                    break
        exit_code = join_worker(worker)
        # A worker killed mid-encode (a crash from its checkpoint thread, a timeout) gives its core back,
        # as the machine would; otherwise every later encode would wait for it for ever.
        cores.release_all()
        record.ended, record.exit_code = time.perf_counter(), exit_code
        record.outcome = outcome_of(answer, record.error, exit_code)
        with self.stats._lock:
            self.stats.invocations.append(record)
        if answer is None:
            raise WorkerDied(record.error or f"the {function} worker process ended with exit code {exit_code}")
        return answer

    def _on_message(
        self, message: tuple, record: InvocationRecord, service: Any, connection: Any, cores: "_CoresHeld"
    ) -> dict | None:
        kind = message[0]
        if kind == "rpc" and message[1] in _CORE_CALLS:
            cores.acquire() if message[1] == "acquire_core" else cores.release()
            connection.send(("ok", None))
        elif kind == "rpc":
            method, args = message[1], message[2]
            try:
                value = getattr(service, method)(*args)
            except Exception as error:  # the service refused: the SDK in the worker sees the same error
                connection.send(("error", _portable(error)))
            else:
                connection.send(("ok", value))
        elif kind == "op":
            record.operations.append(message[1])
            record.sites.append(tuple(message[2:]))
            with self.stats._lock:
                self.stats.operations[message[1]] += 1
        elif kind == "work":
            with self.stats._lock:
                self.stats.work[message[1]] += 1
                if message[1] == "encode":
                    self.stats.encodes[message[2]] += 1
        elif kind == "step":
            with self.stats._lock:
                self.stats.steps.runs.append(message[1])
        elif kind == "output_write":
            with self.stats._lock:
                self.stats.output_writes += 1
        elif kind == "raised":
            record.error = message[1]
        elif kind == "result":
            return message[1]
        return None


_CORE_CALLS = ("acquire_core", "release_core")


class _CoresHeld:
    """The cores (permits of the runner's ``cpu`` semaphore) one worker holds, taken and given back in the
    parent on the worker's requests, so that a worker that dies holding one cannot keep it."""

    def __init__(self, cpu: Any) -> None:
        self._cpu = cpu
        self._held = 0

    def acquire(self) -> None:
        self._cpu.acquire()
        self._held += 1

    def release(self) -> None:
        self._held -= 1
        self._cpu.release()

    def release_all(self) -> None:
        while self._held:
            self.release()


class _InWorker:
    """What the runner calls for one function: the invocation runs in a worker process."""

    def __init__(self, function: str, harness: ProcessRunner) -> None:
        self.function = function
        self.harness = harness

    def __call__(self, event: DurableExecutionInvocationInputWithClient, context: Any) -> dict:
        return self.harness.run_in_worker(self.function, event, context)


def _ensure_bucket(s3: Any, bucket: str) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)


def _portable(error: Exception) -> Exception:
    """``error`` if it survives pickling, else a RuntimeError with its text."""
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any unpicklable error is sent as text
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


# -- the worker's side ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WorkerSetup:
    config: config.DurableRefConfig
    endpoint_url: str
    session: boto3.session.Session
    options: WorkerOptions


class _Scope:
    """Which step's code this worker is running, and how many S3 calls it has made so far.

    One process-wide value, not a thread-local: s3transfer makes its calls on its own threads. Steps run
    one at a time in both functions (the map's items are invokes, which make no S3 calls)."""

    def __init__(self) -> None:
        self.name = "handler"
        self.chunk: int | None = None
        self._calls = 0
        self._lock = threading.Lock()

    def enter(self, name: str, chunk: int | None) -> None:
        with self._lock:
            self.name, self.chunk, self._calls = name, chunk, 0

    def next_call(self) -> int:
        with self._lock:
            step, self._calls = self._calls, self._calls + 1
            return step


class _Sites:
    def __init__(self, function: str, request_id: str, attempt: int, channel: Channel, scope: _Scope,
                 hook: SiteHook | None) -> None:
        self._identity = (function, request_id, attempt)
        self._channel = channel
        self._scope = scope
        self._hook = hook
        self._current = threading.local()
        self._checkpoints = itertools.count()

    def install(self, session: boto3.session.Session) -> None:
        session.events.register("before-call", self._before_call)
        session.events.register("after-call", self._after_call)
        session.events.register("before-parameter-build.s3.PutObject", self._remember_key)

    def site(self, scope: str, step: int, operation: str, when: str, details: tuple[str, ...] = ()) -> None:
        if self._hook is not None:
            self._hook(Site(*self._identity, scope=scope, step=step, operation=operation, when=when,
                            details=details, chunk=self._scope.chunk))

    def _before_call(self, model: Any, **_: Any) -> None:
        operation = f"{model.service_model.service_name}.{model.name}"
        step = self._scope.next_call()
        self._current.site = (self._scope.name, step)
        self.site(self._scope.name, step, operation, "before")
        self._channel.send("op", operation, self._scope.name, step, operation, ())

    def _after_call(self, model: Any, http_response: Any, context: dict, **_: Any) -> None:
        key = context.get("recovery_put_key")
        if key and key.startswith("output/") and http_response is not None and http_response.status_code == 200:
            self._channel.send("output_write", key)
        scope, step = getattr(self._current, "site", (self._scope.name, -1))
        self.site(scope, step, f"{model.service_model.service_name}.{model.name}", "after")

    @staticmethod
    def _remember_key(params: dict, context: dict, **_: Any) -> None:
        context["recovery_put_key"] = params.get("Key")

    def checkpoint_call(self, operation: str, details: tuple[str, ...], call: Callable[[], Any]) -> Any:
        step = next(self._checkpoints)
        self.site("checkpoint", step, operation, "before", details)
        self._channel.send("op", operation, "checkpoint", step, operation, details)
        value = call()
        self.site("checkpoint", step, operation, "after", details)
        return value


class _ServiceProxy:
    """Stands in for the runner's service client inside a worker: every call goes to the parent's."""

    def __init__(self, channel: Channel, sites: _Sites) -> None:
        self._channel = channel
        self._sites = sites

    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list, client_token: str | None) -> Any:
        details = tuple(f"{u.name or u.operation_id}:{u.action.value}" for u in updates)
        return self._sites.checkpoint_call(
            "checkpoint.Checkpoint", details,
            lambda: self._channel.call("checkpoint", durable_execution_arn, checkpoint_token, updates, client_token),
        )

    def get_execution_state(self, durable_execution_arn: str, checkpoint_token: str, next_marker: str,
                            max_items: int = 1000) -> Any:
        return self._sites.checkpoint_call(
            "get_state.GetDurableExecutionState", (),
            lambda: self._channel.call("get_execution_state", durable_execution_arn, checkpoint_token, next_marker,
                                       max_items),
        )


def _worker_main(function: str, request_id: str, attempt: int, plain: DurableExecutionInvocationInput, context: Any,
                 connection: Any, setup: _WorkerSetup) -> None:
    # Lambda ends an invocation at its timeout; the stacks say where a worker was stuck.
    faulthandler.dump_traceback_later(setup.options.timeout_s, exit=True)
    channel = Channel(connection)
    scope = _Scope()
    sites = _Sites(function, request_id, attempt, channel, scope, setup.options.site_hook)
    session = setup.session  # this process's copy of the warmed template
    sites.install(session)
    for hook in setup.options.session_hooks:
        hook(session)
    config.use(setup.config)
    storage.use_session(session, setup.endpoint_url)
    _install_step_seams(channel, scope, setup.options.poison)
    event = DurableExecutionInvocationInputWithClient.from_durable_execution_invocation_input(
        plain, _ServiceProxy(channel, sites)
    )
    handler = orchestrator.handler if function == "orchestrator" else encoder.handler
    try:
        answer = handler(event, context)
    except Exception as error:  # an invocation error: the service re-invokes
        channel.send("raised", f"{type(error).__name__}: {error}")
        os._exit(1)
    channel.send("result", answer)
    os._exit(0)


def _install_step_seams(channel: Channel, scope: _Scope, poison: frozenset[int]) -> None:
    """In this worker only: track the running step, count and time each step's real executions, gate
    ffmpeg encodes to the machine's cores and fail poison chunks."""

    def hook_for(stage: str) -> Callable[[StepContext, tuple, Callable[[], Any]], Any]:
        def run_step(step_context: StepContext, args: tuple, run: Callable[[], Any]) -> Any:
            chunk = chunk_index(args) if stage == "encode" else None
            scope.enter(stage, chunk)
            channel.send("work", stage, chunk)
            try:
                # The wait for a core is not taken out here (it is in the in-process harness).
                return run_timed(stage, step_context, args, run, lambda: 0.0, lambda r: channel.send("step", r))
            finally:
                scope.enter("handler", None)

        return run_step

    for stage, (module, attribute) in STEP_FACTORIES.items():
        setattr(module, attribute, around(getattr(module, attribute), hook_for(stage)))

    real_encode = media.encode_chunk

    def encode_chunk(source, target, settings):  # type: ignore[no-untyped-def]
        if scope.chunk in poison:
            raise EncodeError(f"injected encode failure of chunk {scope.chunk}")
        channel.call("acquire_core")  # the parent holds it for this worker (see ``_CoresHeld``)
        try:
            return real_encode(source, target, settings)
        finally:
            channel.call("release_core")

    media.encode_chunk = encode_chunk
