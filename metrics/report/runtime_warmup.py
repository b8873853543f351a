"""Warm the machine up before the timed runs, so that runs compared side by side all start warm.

In a fresh checkout or virtualenv the first pipeline process pays for compiling the project's bytecode,
for reading every imported module, shared library and the ffmpeg binary from disk, and for the first
use of moto's lazily imported backends. Whichever run comes first would pay it alone (measured: the
baseline's whole process 11.99 s against its job's 6.99 s in the first ``python compare.py`` after an
install). :func:`warm_up` does that work once, unmeasured: ``compileall`` of the project's packages, then
one tiny job of each implementation through the very process the measurements use
(``python -m metrics.runtime.job_process``), on a 1 s 160x120 input cached beside the others.
"""
from __future__ import annotations

import compileall
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .inputs import SyntheticInput, cached_input
from .options import REPO_ROOT
from .pipeline_process import PipelineProcessError, run_measured_process

#: Packages every pipeline process imports besides the implementations and the common code.
SUPPORT_PACKAGES = ("metrics", "local_aws")
#: The warm-up job's input: one second, two chunks, so that every stage and the hand-over between
#: encodes runs, in well under a second of encoding.
WARM_UP_INPUT = SyntheticInput(seconds=1, width=160, height=120, fps=30, keyframe_seconds=0.5)
WARM_UP_CHUNK_SECONDS = 0.5


@dataclass(frozen=True)
class WarmUp:
    compile_s: float
    #: Seconds of each implementation's unmeasured warm-up job process.
    jobs_s: dict[str, float]

    def to_dict(self) -> dict:
        return {"compile_s": self.compile_s, "jobs_s": dict(self.jobs_s),
                "input": WARM_UP_INPUT.to_dict(), "chunk_seconds": WARM_UP_CHUNK_SECONDS}


def compile_bytecode(package_dirs: Iterable[Path]) -> float:
    """Byte-compile every package (existing, up-to-date .pyc files are kept); returns the seconds it took."""
    started = time.perf_counter()
    for directory in dict.fromkeys(Path(d).resolve() for d in package_dirs):
        if directory.is_dir():
            # workers=1: the machine's cores are shared; quiet=1 prints errors only.
            compileall.compile_dir(str(directory), quiet=1, workers=1)
    return time.perf_counter() - started


def warm_up(implementations: Iterable[tuple[str, Path]], common: Iterable[tuple[str, Path]], cache_dir: Path,
            log: Callable[[str], None]) -> WarmUp:
    """Compile the bytecode, then run one tiny unmeasured job of each implementation in its own process."""
    implementations = tuple(implementations)
    packages = [path for _, path in (*implementations, *common)] + [REPO_ROOT / p for p in SUPPORT_PACKAGES]
    compile_s = compile_bytecode(packages)
    video = cached_input(WARM_UP_INPUT, cache_dir, log)
    jobs_s: dict[str, float] = {}
    for name, path in implementations:
        try:
            jobs_s[name] = run_measured_process(name, path, video, chunk_seconds=WARM_UP_CHUNK_SECONDS,
                                                progress=False).seconds
        except PipelineProcessError as error:
            # The measured run will break down the same way and report it; a warm-up reports nothing.
            log(f"warm-up of {name} did not finish ({str(error).splitlines()[0]}); measuring anyway")
    log(f"warmed up: bytecode compiled in {compile_s:.1f} s, one unmeasured job each "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in jobs_s.items()))
    return WarmUp(compile_s, jobs_s)
