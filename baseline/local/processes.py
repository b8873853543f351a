"""Every handler invocation in its own worker process, against moto's server: a crash is the process ending.

A Lambda that times out or runs out of memory dies mid-work: no ``except`` or ``finally`` runs and only
what it had already written survives. Here each delivery of the ``LocalInvoker`` forks a worker process
(``multiprocessing``'s fork context) whose boto3 Session points at moto's HTTP server
(``local_aws.AtomicMotoServer``), so a worker that ends with ``os._exit`` leaves exactly its writes behind.
The parent sees the worker's pipe close without a result and raises ``WorkerDied``; the invoker then does
what Lambda does with an asynchronous event: it runs it again, up to twice, with the same request id.

Inside the worker, every storage operation (botocore ``before-call``/``after-call`` on the worker's
Session) and every invoke is a *site*; a ``SiteHook`` given by the caller runs at each one, before and
after, and may end the process there. The worker reports to the parent over its pipe what it did
(operations, invokes, media work, output writes), which is what the recovery metrics count.
"""
from __future__ import annotations

import collections
import faulthandler
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import boto3

from local_aws.workers import (
    FORK, FORK_LOCK, Channel, SiteHook, WorkerDied, WorkerOptions, join_worker, outcome_of, warm_session,
)
from media import EncodeError, PipelineSettings, layout

from baseline import runtime
from baseline.config import DEFAULT_BUCKET, DEFAULT_TABLE, BaselineConfig

from .context import LocalLambdaContext
from .invoker import FUNCTIONS, Delivery, LocalInvoker, current_delivery, deployed_handlers
from .resources import ensure_bucket, ensure_table, job_items
from .run import _input_name, job_result


@dataclass(frozen=True)
class Site:
    """A point in a worker where it could die: just before or just after one storage operation or invoke."""

    function: str  # the stage whose handler runs in the worker
    request_id: str
    attempt: int
    #: Index of the operation within this invocation (0 for its first storage call or invoke).
    step: int
    operation: str  # "dynamodb.UpdateItem", "s3.PutObject", "lambda.Invoke", ...
    when: str  # "before" or "after"
    chunk: int | None = None  # the chunk of an encode invocation

    @property
    def scope(self) -> str:
        return self.function


@dataclass
class InvocationRecord:
    """One delivery of an event, run in one worker process."""

    function: str
    request_id: str
    attempt: int
    chunk: int | None
    started: float
    ended: float = 0.0
    #: "returned"; "raised" (a function error); "crashed" (ended at a site, exit 137); "died" (ended
    #: without a result otherwise, e.g. at its timeout).
    outcome: str = "running"
    exit_code: int | None = None
    operations: list[str] = field(default_factory=list)
    #: (scope, step, operation, details) of every operation, in the order they started.
    sites: list[tuple] = field(default_factory=list)
    error: str | None = None


@dataclass
class WorkerStats:
    """What every worker of one pipeline reported, gathered in the parent."""

    invocations: list[InvocationRecord] = field(default_factory=list)
    operations: collections.Counter = field(default_factory=collections.Counter)
    #: Real executions of each stage's media work (probe, split, encode attempts, assembly).
    work: collections.Counter = field(default_factory=collections.Counter)
    encodes: collections.Counter = field(default_factory=collections.Counter)
    #: Successful PutObject calls on output/ keys (a PUT refused by IfNoneMatch is not one).
    output_writes: int = 0
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
            "storage_ops": by_service["dynamodb"] + by_service["s3"],
            "work": dict(self.work),
            "encodes": {int(k): v for k, v in sorted(self.encodes.items())},
            "output_writes": self.output_writes,
        }


class ProcessPipeline:
    """The four handlers and the failure handler, each invocation in a worker process, state on moto's server
    at ``endpoint_url``.

    Use as a context manager. ``copies`` delivers every event more than once; ``invoker_factory`` builds
    the invoker (a ``LocalInvoker`` or a subclass that reorders events) from the handlers."""

    def __init__(
        self,
        endpoint_url: str,
        *,
        settings: PipelineSettings = PipelineSettings(),
        options: WorkerOptions = WorkerOptions(),
        copies: int | Callable[[str, dict], int] = 1,
        invoker_factory: Callable[..., LocalInvoker] = LocalInvoker,
        cpu: Any | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.options = options
        self.config = BaselineConfig(
            bucket=os.environ.get("MEDIA_BUCKET", DEFAULT_BUCKET),
            table=os.environ.get("JOBS_TABLE", DEFAULT_TABLE),
            settings=settings,
        )
        self.stats = WorkerStats()
        cores = os.cpu_count() or 1
        self.invoker = invoker_factory(
            {function: self._handler_in_worker(function) for function in FUNCTIONS}, max_workers=2 * cores,
            copies=copies,
        )
        self._template = warm_session(endpoint_url, ("s3", "dynamodb"))
        #: The harness's own clients (set-up, read-back); workers make theirs from their copy of the template.
        with FORK_LOCK:
            self.inspect = runtime.Runtime.build(self.config, self._template, self.invoker, endpoint_url)
        #: At most one ffmpeg encode per core across all workers, as the in-process harness allows (pass
        #: one ``FORK.BoundedSemaphore`` to pipelines that run side by side).
        self._cpu = cpu if cpu is not None else FORK.BoundedSemaphore(cores)

    @property
    def s3(self) -> Any:
        return self.inspect.storage.client

    @property
    def dynamodb(self) -> Any:
        return self.inspect.jobs.table.client

    def __enter__(self) -> "ProcessPipeline":
        ensure_bucket(self.s3, self.config.bucket)
        ensure_table(self.dynamodb, self.config.table)
        return self

    def __exit__(self, *exc: object) -> None:
        self.invoker.close()

    def upload(self, video: Path, job_id: str, name: str | None = None) -> str:
        key = layout.input_key(job_id, name or _input_name(Path(video)))
        self.inspect.storage.upload(Path(video), key)
        return key

    def submit(self, job_id: str, input_key: str) -> None:
        self.invoker.invoke("validate", {"job_id": job_id, "input_key": input_key})

    def wait(self, timeout: float | None = None) -> bool:
        return self.invoker.wait(timeout)

    def items(self, job_id: str) -> tuple[dict | None, list[dict]]:
        return job_items(self.dynamodb, self.config.table, job_id)

    def result(self, job_id: str, input_key: str, output: Path | None, duration_s: float) -> dict:
        """The CLI's JSON fields for ``job_id`` plus ``workers`` (what the workers reported)."""
        return {
            **job_result(self.inspect, self.invoker, job_id, input_key, output, duration_s),
            "storage_calls": dict(self.stats.operations),
            "dead_letters": len(self.invoker.dead_letters),
            "workers": self.stats.as_dict(),
        }

    # -- the parent's side of a worker --------------------------------------------------------------

    def _handler_in_worker(self, stage: str) -> Callable[[dict, Any], dict]:
        def handler(event: dict, context: LocalLambdaContext) -> dict:
            delivery = current_delivery.get()
            attempt = delivery.attempt if delivery is not None else 1
            return self._run_in_worker(stage, event, context.aws_request_id, attempt, delivery)

        return handler

    def _run_in_worker(self, stage: str, event: dict, request_id: str, attempt: int, delivery: Delivery | None) -> dict:
        chunk = event.get("index") if stage == "encode" else None
        record = InvocationRecord(stage, request_id, attempt, chunk, started=time.perf_counter())
        with FORK_LOCK:
            receive, send = FORK.Pipe(duplex=False)
            worker = FORK.Process(
                target=_worker_main,
                args=(stage, event, request_id, attempt, send, self._worker_setup()),
                name=f"lambda-{stage}",
                daemon=True,
            )
            worker.start()
            send.close()
        result: dict | None = None
        with receive:
            while True:
                try:
                    message = receive.recv()
                except (EOFError, OSError):  # the worker's end closed: it returned or died
                    break
                result = self._on_message(message, record, delivery) or result
        exit_code = join_worker(worker)
        record.ended, record.exit_code = time.perf_counter(), exit_code
        record.outcome = outcome_of(result, record.error, exit_code)
        with self.stats._lock:
            self.stats.invocations.append(record)
        if result is None:
            raise WorkerDied(record.error or f"the {stage} worker process ended with exit code {exit_code}")
        return result

    def _on_message(self, message: tuple, record: InvocationRecord, delivery: Delivery | None) -> dict | None:
        kind = message[0]
        if kind == "op":
            record.operations.append(message[1])
            record.sites.append((record.function, message[2], message[1], ()))
            if delivery is not None:
                delivery.operations.append(message[1])
            with self.stats._lock:
                self.stats.operations[message[1]] += 1
        elif kind == "invoke":
            self.invoker.invoke(message[1], message[2])
        elif kind == "work":
            with self.stats._lock:
                self.stats.work[message[1]] += 1
                if message[1] == "encode":
                    self.stats.encodes[message[2]] += 1
        elif kind == "waited" and delivery is not None:
            delivery.waited_s += message[1]
        elif kind == "output_write":
            with self.stats._lock:
                self.stats.output_writes += 1
        elif kind == "raised":
            record.error = message[1]
        elif kind == "result":
            return message[1]
        return None

    def _worker_setup(self) -> "_WorkerSetup":
        return _WorkerSetup(self.config, self.endpoint_url, self._template, self.options, self._cpu)


# -- the worker's side ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WorkerSetup:
    config: BaselineConfig
    endpoint_url: str
    session: boto3.session.Session
    options: WorkerOptions
    cpu: Any


class _Sites:
    """Numbers the worker's storage operations and invokes and runs the site hook around each."""

    def __init__(self, stage: str, request_id: str, attempt: int, chunk: int | None, channel: Channel,
                 hook: SiteHook | None) -> None:
        self._identity = (stage, request_id, attempt)
        self._chunk = chunk
        self._channel = channel
        self._hook = hook
        self._next = 0
        self._lock = threading.Lock()
        self._current = threading.local()

    def before(self, operation: str) -> None:
        with self._lock:
            step, self._next = self._next, self._next + 1
        self._current.step = step
        self._site(step, operation, "before")
        self._channel.send("op", operation, step)

    def after(self, operation: str) -> None:
        self._site(getattr(self._current, "step", -1), operation, "after")

    def _site(self, step: int, operation: str, when: str) -> None:
        if self._hook is not None:
            self._hook(Site(*self._identity, step=step, operation=operation, when=when, chunk=self._chunk))

    def install(self, session: boto3.session.Session) -> None:
        session.events.register("before-call", self._before_call)
        session.events.register("after-call", self._after_call)
        session.events.register("before-parameter-build.s3.PutObject", self._remember_key)

    def _before_call(self, model: Any, **_: Any) -> None:
        self.before(f"{model.service_model.service_name}.{model.name}")

    def _after_call(self, model: Any, http_response: Any, context: dict, **_: Any) -> None:
        key = context.get("recovery_put_key")
        if key and key.startswith("output/") and http_response is not None and http_response.status_code == 200:
            self._channel.send("output_write", key)
        self.after(f"{model.service_model.service_name}.{model.name}")

    @staticmethod
    def _remember_key(params: dict, context: dict, **_: Any) -> None:
        context["recovery_put_key"] = params.get("Key")


class _PipeInvoker:
    """Lambda's asynchronous invoke from inside a worker: the event goes to the parent's invoker."""

    def __init__(self, channel: Channel, sites: _Sites) -> None:
        self._channel = channel
        self._sites = sites

    def invoke(self, stage: str, event: dict) -> None:
        self._sites.before("lambda.Invoke")
        self._channel.send("invoke", stage, event)
        self._sites.after("lambda.Invoke")


def _worker_main(stage: str, event: dict, request_id: str, attempt: int, connection: Any, setup: _WorkerSetup) -> None:
    # Lambda ends an invocation at its timeout; the stacks say where a worker was stuck.
    faulthandler.dump_traceback_later(setup.options.timeout_s, exit=True)
    channel = Channel(connection)
    chunk = event.get("index") if stage == "encode" else None
    sites = _Sites(stage, request_id, attempt, chunk, channel, setup.options.site_hook)
    session = setup.session  # this process's copy of the warmed template
    sites.install(session)
    for hook in setup.options.session_hooks:
        hook(session)
    runtime.use(runtime.Runtime.build(setup.config, session, _PipeInvoker(channel, sites), setup.endpoint_url))
    _install_media_seams(channel, setup.cpu, setup.options.poison)
    context = LocalLambdaContext(stage, request_id, setup.options.timeout_s)
    try:
        result = deployed_handlers()[stage](event, context)
    except Exception as error:  # a function error: the parent's invoker retries the event
        channel.send("raised", f"{type(error).__name__}: {error}")
        os._exit(1)
    channel.send("result", result)
    os._exit(0)


def _install_media_seams(channel: Channel, cpu: Any, poison: frozenset[int]) -> None:
    """Count each stage's media work, gate encodes to the machine's cores and fail poison chunks; only
    in this worker process (the patched module attributes are its own copies)."""
    import baseline.assemble
    import baseline.chunk
    import baseline.encode
    import baseline.validate

    def counted(stage: str, function: Callable) -> Callable:
        def run(*args: Any, **kwargs: Any) -> Any:
            channel.send("work", stage, None)
            return function(*args, **kwargs)

        return run

    real_encode = baseline.encode.encode_chunk

    def encode_chunk(source, target, settings):  # type: ignore[no-untyped-def]
        index = int(Path(source).stem)  # the encode handler names its local copy after the chunk
        channel.send("work", "encode", index)
        if index in poison:
            raise EncodeError(f"injected encode failure of chunk {index}")
        queued = time.perf_counter()
        with cpu:
            channel.send("waited", time.perf_counter() - queued)
            return real_encode(source, target, settings)

    baseline.validate._check_input = counted("validate", baseline.validate._check_input)
    baseline.chunk._split = counted("chunk", baseline.chunk._split)
    baseline.assemble.assemble_video = counted("assemble", baseline.assemble.assemble_video)
    baseline.encode.encode_chunk = encode_chunk
