"""What an implementation's SAM template says that its cost depends on: each function's memory size and
architecture, its durable execution retention, the TTL of the workflow state and the lifecycle of the
bucket's work/ objects. :func:`cost_settings_for` turns it into the :class:`CostSettings` the run is priced
with, so that the price follows the template when another change edits it.

The template is read with cfn-lint's decoder, which understands CloudFormation's short tags (``!Ref``,
``!Sub``, ``!GetAtt``). A value may be a literal or a ``Ref`` to a parameter with a ``Default``; anything
else (a condition, an import) cannot be known before deployment and is an error naming the property.

Functions are named by their handler's module (``Handler: baseline.validate.handler`` is ``validate``), the
names both local harnesses time their invocations under.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from .cost import CostSettings

TEMPLATE_NAME = "template.yaml"
_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
#: Lambda's defaults when a template sets nothing.
_DEFAULT_MEMORY_MB = 128
_DEFAULT_ARCHITECTURE = "x86_64"
_DEFAULT_DURABLE_RETENTION_DAYS = 14
#: The environment variable the baseline's handlers read the items' TTL from (``baseline/config.py``).
STATE_RETENTION_VARIABLE = "RETENTION_DAYS"
WORK_PREFIX = "work/"


class DeploymentError(ValueError):
    """A template that cannot be read, or a cost-relevant value in it that cannot be resolved."""


@dataclass(frozen=True)
class FunctionDeployment:
    name: str  # the handler's module
    logical_id: str
    memory_mb: int
    architecture: str
    #: ``DurableConfig.RetentionPeriodInDays``; None for a function that is not durable.
    durable_retention_days: float | None
    environment: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Deployment:
    template: str
    functions: tuple[FunctionDeployment, ...]
    #: Days the workflow state's items live (the TTL setting); None when no function sets it.
    state_retention_days: float | None
    #: Days an object under work/ lives (the bucket's lifecycle rule); None without such a rule.
    work_retention_days: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.template,
                "functions": {f.name: {"logical_id": f.logical_id, "memory_mb": f.memory_mb,
                                       "architecture": f.architecture,
                                       "durable_retention_days": f.durable_retention_days}
                              for f in self.functions},
                "state_retention_days": self.state_retention_days, "work_retention_days": self.work_retention_days}


def _decode(path: Path) -> dict:
    from cfnlint.decode import decode  # 0.4 s to import: only when a template is read

    template, matches = decode(str(path))
    if template is None or matches:
        reason = "; ".join(str(m.message) for m in matches) if matches else "empty template"
        raise DeploymentError(f"{path}: cannot be read: {reason}")
    return template


def _resolve(value: Any, parameters: Mapping[str, Any], where: str) -> Any:
    """A literal, or the Default of the parameter a ``Ref`` names."""
    if isinstance(value, Mapping):
        if set(value) == {"Ref"} and value["Ref"] in parameters and "Default" in parameters[value["Ref"]]:
            return parameters[value["Ref"]]["Default"]
        raise DeploymentError(f"{where}: {dict(value)} cannot be resolved before deployment")
    return value


def _number(value: Any, parameters: Mapping[str, Any], where: str) -> float:
    resolved = _resolve(value, parameters, where)
    try:
        return float(resolved)
    except (TypeError, ValueError):
        raise DeploymentError(f"{where}: expected a number, got {resolved!r}") from None


def _merged(globals_: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """A function's properties over the template's Globals (SAM merges maps and overrides the rest)."""
    merged = dict(globals_)
    for key, value in properties.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _function(logical_id: str, properties: Mapping[str, Any], parameters: Mapping[str, Any],
              path: Path) -> FunctionDeployment:
    where = f"{path}: {logical_id}"
    handler = _resolve(properties.get("Handler", ""), parameters, f"{where}.Handler")
    name = str(handler).rsplit(".", 2)[-2] if str(handler).count(".") >= 1 else logical_id
    architectures = properties.get("Architectures") or [_DEFAULT_ARCHITECTURE]
    durable = properties.get("DurableConfig")
    retention = None
    if isinstance(durable, Mapping):
        retention = _number(durable.get("RetentionPeriodInDays", _DEFAULT_DURABLE_RETENTION_DAYS), parameters,
                            f"{where}.DurableConfig.RetentionPeriodInDays")
    variables = ((properties.get("Environment") or {}).get("Variables") or {})
    return FunctionDeployment(
        name=name, logical_id=logical_id,
        memory_mb=int(_number(properties.get("MemorySize", _DEFAULT_MEMORY_MB), parameters, f"{where}.MemorySize")),
        architecture=str(_resolve(architectures[0], parameters, f"{where}.Architectures")),
        durable_retention_days=retention, environment=variables)


def _work_retention_days(resources: Mapping[str, Any], parameters: Mapping[str, Any], path: Path) -> float | None:
    """The shortest expiration of an enabled lifecycle rule of any bucket that covers work/ objects."""
    days = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::S3::Bucket":
            continue
        rules = (((resource.get("Properties") or {}).get("LifecycleConfiguration") or {}).get("Rules") or [])
        for rule in rules:
            prefix = rule.get("Prefix", (rule.get("Filter") or {}).get("Prefix", ""))
            if rule.get("Status") == "Enabled" and "ExpirationInDays" in rule and WORK_PREFIX.startswith(prefix):
                days.append(_number(rule["ExpirationInDays"], parameters, f"{path}: {logical_id} lifecycle"))
    return min(days) if days else None


def read_deployment(template_path: str | Path) -> Deployment:
    """The cost-relevant settings of the template at ``template_path``."""
    path = Path(template_path)
    if not path.is_file():
        raise DeploymentError(f"{path}: no such template")
    template = _decode(path)
    parameters = template.get("Parameters") or {}
    globals_ = ((template.get("Globals") or {}).get("Function") or {})
    resources = template.get("Resources") or {}
    functions = tuple(_function(logical_id, _merged(globals_, resource.get("Properties") or {}), parameters, path)
                      for logical_id, resource in resources.items() if resource.get("Type") in _FUNCTION_TYPES)
    if not functions:
        raise DeploymentError(f"{path}: no Lambda function in the template")
    ttl_days = [_number(f.environment[STATE_RETENTION_VARIABLE], parameters, f"{path}: {f.logical_id} "
                        f"{STATE_RETENTION_VARIABLE}") for f in functions if STATE_RETENTION_VARIABLE in f.environment]
    return Deployment(
        template=str(path), functions=functions,
        # The items live as long as the longest TTL any function writes them with.
        state_retention_days=max(ttl_days) if ttl_days else None,
        work_retention_days=_work_retention_days(resources, parameters, path))


def cost_settings_for(deployment: Deployment | None, *, base: CostSettings = CostSettings(),
                      memory_mb: int | None = None, retention_days: float | None = None) -> CostSettings:
    """The settings to price an implementation with: its template's values over ``base``; ``memory_mb``
    and ``retention_days``, when given, override every function's memory size and every state retention
    period (a what-if, named in ``source``)."""
    settings = base
    if deployment is not None:
        architectures = {f.architecture for f in deployment.functions}
        if len(architectures) > 1:
            raise DeploymentError(f"{deployment.template}: functions on different architectures "
                                  f"({sorted(architectures)}) are not supported")
        durable = {f.name: f.durable_retention_days for f in deployment.functions if f.durable_retention_days}
        settings = replace(
            settings, source=deployment.template, architecture=architectures.pop(),
            function_memory_mb={f.name: f.memory_mb for f in deployment.functions},
            function_durable_retention_days=durable,
            state_retention_days=(deployment.state_retention_days if deployment.state_retention_days is not None
                                  else settings.state_retention_days),
            work_retention_days=deployment.work_retention_days)
    overrides = []
    if memory_mb is not None:
        settings = replace(settings, memory_mb=memory_mb, function_memory_mb={})
        overrides.append(f"--memory-mb {memory_mb}")
    if retention_days is not None:
        settings = replace(settings, state_retention_days=retention_days, work_retention_days=None,
                           durable_retention_days=retention_days, function_durable_retention_days={})
        overrides.append(f"--retention-days {retention_days:g}")
    if overrides:
        settings = replace(settings, source=f"{settings.source} with {', '.join(overrides)}")
    return settings


def cost_settings_of(package_dir: str | Path, *, memory_mb: int | None = None,
                     retention_days: float | None = None) -> CostSettings:
    """:func:`cost_settings_for` the implementation in ``package_dir``, from its ``template.yaml``; the
    defaults (``source`` saying so) for an implementation without one."""
    path = Path(package_dir) / TEMPLATE_NAME
    deployment = read_deployment(path) if path.is_file() else None
    base = CostSettings() if deployment else CostSettings(source=f"defaults (no {path})")
    return cost_settings_for(deployment, base=base, memory_mb=memory_mb, retention_days=retention_days)
