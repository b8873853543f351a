"""Figures against the number of chunks: a least-squares line per figure, and a projection to a target scale
with the quotas each design meets there.

For each figure y measured at chunk counts x (a sweep), the fit is y = fixed + per_chunk * x, by ordinary
least squares: per_chunk = sum((x - mean x)(y - mean y)) / sum((x - mean x)^2), fixed = mean y -
per_chunk * mean x; r_squared = 1 - SS_res / SS_tot. ``per_chunk`` is the marginal figure of one more
chunk, ``fixed`` what a job costs whatever its length.

The projection evaluates each line at the target's chunk count. It is an extrapolation, and is marked so
(``"projection": true``): it assumes every figure stays linear in the chunk count, which holds for counts
of operations and for items or checkpoints that list every chunk, and says nothing about effects the
sweep could not show (throttling, partitions, cold starts). A line with a negative slope (a figure that
does not grow, measured with noise) is held at its value at the largest measured chunk count instead of
being extrapolated below it (``"held": true``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping, Sequence

from .quotas import ALL_QUOTAS, LAMBDA_CONCURRENCY, STEP_FUNCTIONS_INLINE_MAP, Quota


@dataclass(frozen=True)
class LinearFit:
    per_chunk: float
    fixed: float
    r_squared: float | None
    n: int
    chunk_range: tuple[float, float]

    def at(self, chunks: float) -> float:
        return self.fixed + self.per_chunk * chunks

    def projected(self, chunks: float) -> float:
        """The line at ``chunks``; a line that falls is held at its value at the largest measured count, since
        no figure of a job shrinks without bound as chunks are added (a small negative slope is noise)."""
        if self.per_chunk < 0:
            return self.at(self.chunk_range[1])
        return self.at(chunks)

    def chunks_reaching(self, limit: float) -> float | None:
        """The chunk count at which the line reaches ``limit`` (None when it never grows to it)."""
        if self.per_chunk <= 0:
            return None if self.fixed < limit else 0.0
        return max(0.0, (limit - self.fixed) / self.per_chunk)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TargetScale:
    name: str
    duration_s: float
    chunks: int
    width: int
    height: int
    source: str


#: ExCamera encoded a 4K film of 888 s as 3,552 chunks of 6 frames on thousands of Lambda invocations.
EXCAMERA = TargetScale(
    name="ExCamera (Fouladi et al., NSDI 2017): 888 s of 4K video in 3,552 chunks",
    duration_s=888.0, chunks=3552, width=3840, height=2160,
    source="https://www.usenix.org/conference/nsdi17/technical-sessions/presentation/fouladi",
)


def fit_linear(chunks: Sequence[float], values: Sequence[float]) -> LinearFit:
    """Least-squares line of ``values`` against ``chunks`` (needs two distinct chunk counts)."""
    if len(chunks) != len(values):
        raise ValueError(f"{len(chunks)} chunk counts but {len(values)} values")
    if len(set(chunks)) < 2:
        raise ValueError("a line needs measurements at two or more distinct chunk counts")
    n = len(chunks)
    mean_x = sum(chunks) / n
    mean_y = sum(values) / n
    sxx = sum((x - mean_x) ** 2 for x in chunks)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(chunks, values))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(chunks, values))
    ss_tot = sum((y - mean_y) ** 2 for y in values)
    if ss_tot == 0:
        r_squared = 1.0 if ss_res < 1e-12 else None
    else:
        r_squared = 1 - ss_res / ss_tot
    return LinearFit(per_chunk=slope, fixed=intercept, r_squared=r_squared, n=n,
                     chunk_range=(float(min(chunks)), float(max(chunks))))


def fit_sweep(points: Iterable[Mapping[str, Any]], metrics: Iterable[str], *, x: str = "chunks") -> dict[str, LinearFit]:
    """One line per metric over sweep points such as ``{"chunks": 8, "storage_ops_total": 31, ...}``;
    a metric measured at fewer than two distinct chunk counts is left out."""
    points = list(points)
    fits = {}
    for metric in metrics:
        pairs = [(p[x], p[metric]) for p in points if isinstance(p.get(metric), (int, float))]
        if len({c for c, _ in pairs}) >= 2:
            fits[metric] = fit_linear([c for c, _ in pairs], [v for _, v in pairs])
    return fits


def _quota_row(quota: Quota, projected: float, fit: LinearFit | None, basis: str) -> dict[str, Any]:
    return {
        **quota.to_dict(),
        "projected": projected,
        "basis": basis,
        "ratio": projected / quota.limit,
        "exceeded": projected > quota.limit,
        "chunks_at_limit": fit.chunks_reaching(quota.limit) if fit else None,
    }


def project(fits: Mapping[str, LinearFit], target: TargetScale = EXCAMERA,
            quotas: Iterable[Quota] = ALL_QUOTAS, map_max_concurrency: int | None = None) -> dict[str, Any]:
    """Each fitted figure at ``target.chunks``, and every quota whose figure is known there.

    Lambda concurrency needs no fit: every design fans out one encode invocation per chunk at once, so the
    concurrency they ask for is the chunk count. Nor does a state machine's Map (``map_max_concurrency``, its
    MaxConcurrency, given for a Step Functions design): it asks for the smaller of the chunk count and that.
    """
    metrics = {name: {"fit": fit.to_dict(), "projected": fit.projected(target.chunks), "held": fit.per_chunk < 0}
               for name, fit in fits.items()}
    rows = []
    for quota in quotas:
        if quota.metric in fits:
            rows.append(_quota_row(quota, fits[quota.metric].projected(target.chunks), fits[quota.metric],
                                   "least-squares line over the sweep"))
        elif quota is LAMBDA_CONCURRENCY:
            rows.append(_quota_row(quota, float(target.chunks), None, "one encode invocation per chunk, all at once"))
        elif quota.metric == STEP_FUNCTIONS_INLINE_MAP.metric and map_max_concurrency:
            rows.append(_quota_row(quota, float(min(target.chunks, map_max_concurrency)), None,
                                   f"the chunk count or the Map's MaxConcurrency ({map_max_concurrency}), the smaller"))
    return {
        "projection": True,
        "method": "least-squares line of each figure against the chunk count, evaluated at the target",
        "target": asdict(target),
        "metrics": metrics,
        "quotas": rows,
    }
