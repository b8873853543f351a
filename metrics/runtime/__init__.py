"""Run-time measurements of the pipelines: storage operations, external state bytes, cost, latency statistics,
scaling fits and projections. Each module is one concept; see README.md, section 'Run-time measurements' for the definitions."""
from .capacity import DynamoDBCapacityMeter, RequestUnits
from .cost import (
    CostSettings,
    billed_seconds,
    cost_of_usage,
    s3_request_tiers,
    step_functions_reference,
    step_functions_transitions,
    usage_from_measurements,
)
from .item_size import item_size, python_item_size, read_units, storage_bytes, write_units
from .measure import SWEEP_METRICS, measure_run, repeat_summary, runtime_figures, sweep_point
from .monolithic import measure_monolithic, ratio_to_monolithic, time_process
from .op_counter import HARNESS_SETUP_OPERATIONS, OpCounter, OperationCounts
from .prices import Price, PriceTable, PriceTableError, load_prices
from .quotas import ALL_QUOTAS, Quota
from .scaling import EXCAMERA, LinearFit, TargetScale, fit_linear, fit_sweep, project
from .state_bytes import PeakTracker, StateSampler, StateSnapshot, classify_key, take_snapshot
from .stats import median_of_runs, percentile, summarize

__all__ = [
    "DynamoDBCapacityMeter", "RequestUnits", "CostSettings", "billed_seconds", "cost_of_usage",
    "s3_request_tiers", "step_functions_reference", "step_functions_transitions", "usage_from_measurements",
    "item_size", "python_item_size", "read_units", "storage_bytes", "write_units", "measure_monolithic",
    "ratio_to_monolithic", "time_process", "HARNESS_SETUP_OPERATIONS", "OpCounter", "OperationCounts", "Price", "PriceTable",
    "PriceTableError", "load_prices", "ALL_QUOTAS", "Quota", "EXCAMERA", "LinearFit", "TargetScale",
    "fit_linear", "fit_sweep", "project", "PeakTracker", "StateSampler", "StateSnapshot", "classify_key",
    "take_snapshot", "median_of_runs", "percentile", "summarize", "SWEEP_METRICS", "measure_run",
    "repeat_summary", "runtime_figures", "sweep_point",
]
