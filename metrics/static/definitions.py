"""State machine definitions (Amazon States Language) of an implementation, and their figures.

In a Step Functions design the orchestration lives in the definition, not in Python: the order of the
stages, the fan-out over chunks (a Map state), and the retries and error paths (Retry and Catch blocks). So
the static comparison counts the definition beside the Python code.

A definition is found two ways, and each is counted once:

- by content: a JSON or YAML file under the implementation whose document is a mapping with ``StartAt``
  and ``States`` (whatever its name: ``statemachine.asl.json``, ``workflow.yaml``, ...);
- through the implementation's ``template.yaml``: the ``DefinitionUri`` (a file) or an inline
  ``Definition`` of an ``AWS::Serverless::StateMachine``, or the ``Definition``/``DefinitionString`` of an
  ``AWS::StepFunctions::StateMachine``.

Files are read with cfn-lint's decoder (already a dependency: it reads JSON and YAML, short tags included).
``lines`` are the non-blank lines as written; an inline definition has no lines of its own in a file, so it
counts the lines of its canonical rendering (``canonical_lines``: sorted keys, JSON indented by 2, which
is the same for the same machine in any layout or format). Every other figure depends on the machine
only, not on how it is written: key order, JSON or YAML.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from .discovery import is_excluded

#: The state types of the States Language; ``states_by_type`` lists each, 0 when absent.
STATE_TYPES: tuple[str, ...] = ("Task", "Map", "Choice", "Pass", "Fail", "Succeed", "Parallel", "Wait")
#: A retrier without ``MaxAttempts`` retries 3 times (States Language specification).
DEFAULT_MAX_ATTEMPTS = 3
_DEFINITION_SUFFIXES = (".json", ".yaml", ".yml")
_TEMPLATE_NAME = "template.yaml"
_STATE_MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
_SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules", "build", "dist", ".aws-sam"})


@dataclass(frozen=True)
class StateMachineDefinition:
    """One definition: where it is (a file relative to the implementation, or ``template.yaml#LogicalId``
    for an inline one), its parsed document and its non-blank lines."""

    where: str
    document: Mapping[str, Any]
    lines: int


def is_definition(document: Any) -> bool:
    return isinstance(document, Mapping) and "StartAt" in document and isinstance(document.get("States"), Mapping)


def find_definitions(root: Path | str, excludes: tuple[str, ...] = ()) -> list[StateMachineDefinition]:
    """Every state machine definition of the implementation at ``root``, sorted by where it is."""
    root = Path(root).resolve()
    if not root.is_dir():
        return []
    found: dict[str, StateMachineDefinition] = {}
    for path in _candidate_files(root, excludes):
        definition = _read_definition(root, path)
        if definition is not None:
            found[definition.where] = definition
    template = root / _TEMPLATE_NAME
    if template.is_file():
        for definition in _template_definitions(root, template):
            found.setdefault(definition.where, definition)
    return [found[where] for where in sorted(found)]


def _candidate_files(root: Path, excludes: tuple[str, ...]) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix not in _DEFINITION_SUFFIXES or not path.is_file() or path.name == _TEMPLATE_NAME:
            continue
        if any(part in _SKIPPED_DIRECTORIES or part.startswith(".") for part in relative.parts[:-1]):
            continue
        if not is_excluded(relative.as_posix(), excludes):
            yield path


def _decode_text(text: str) -> Any:
    from cfnlint.decode import decode_str  # 0.4 s to import: only when there is a file to read

    document, matches = decode_str(text)
    return None if matches else document


def _read_definition(root: Path, path: Path) -> StateMachineDefinition | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if "StartAt" not in text:  # most JSON/YAML files are not definitions: skip parsing them
        return None
    document = _decode_text(text)
    if not is_definition(document):
        return None
    return StateMachineDefinition(path.relative_to(root).as_posix(), document, _non_blank(text))


def _template_definitions(root: Path, template: Path) -> Iterator[StateMachineDefinition]:
    try:
        document = _decode_text(template.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return
    resources = (document or {}).get("Resources") or {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") not in _STATE_MACHINE_TYPES:
            continue
        properties = resource.get("Properties") or {}
        uri = properties.get("DefinitionUri")
        if isinstance(uri, str):
            target = (template.parent / uri).resolve()
            if target.is_file():
                definition = _read_definition(root, target) if _inside(target, root) else None
                if definition is not None:
                    yield definition
            continue
        inline = properties.get("Definition")
        if inline is None and isinstance(properties.get("DefinitionString"), str):
            inline = _decode_text(properties["DefinitionString"])
        if is_definition(inline):
            yield StateMachineDefinition(f"{_TEMPLATE_NAME}#{logical_id}", inline, canonical_lines(inline))


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _non_blank(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def canonical_lines(document: Any) -> int:
    """Non-blank lines of the document rendered as sorted-key JSON indented by 2: the same for the same
    machine whatever its layout, key order or format."""
    return _non_blank(json.dumps(_plain(document), indent=2, sort_keys=True))


def _plain(value: Any) -> Any:
    """The decoder's node types (dict_node, str_node) as plain dicts, lists and scalars."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def iter_states(definition: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every state of a machine, nested ones included: a Map's ``ItemProcessor`` (or the older
    ``Iterator``) and each branch of a Parallel are machines of their own."""
    for state in (definition.get("States") or {}).values():
        if not isinstance(state, Mapping):
            continue
        yield state
        for nested in (state.get("ItemProcessor"), state.get("Iterator"), *(state.get("Branches") or ())):
            if is_definition(nested):
                yield from iter_states(nested)


def definition_figures(definitions: list[StateMachineDefinition]) -> dict[str, Any]:
    """``implementations.NAME.static.definition``: the figures of all the implementation's definitions
    (all 0 for an implementation without one)."""
    types: Counter = Counter()
    attempts: list[int] = []
    catchers = 0
    for definition in definitions:
        for state in iter_states(definition.document):
            types[str(state.get("Type"))] += 1
            for retrier in state.get("Retry") or ():
                attempts.append(int(retrier.get("MaxAttempts", DEFAULT_MAX_ATTEMPTS))
                                if isinstance(retrier, Mapping) else DEFAULT_MAX_ATTEMPTS)
            catchers += len(state.get("Catch") or ())
    by_type = {kind: types[kind] for kind in STATE_TYPES}
    by_type.update({kind: count for kind, count in sorted(types.items()) if kind not in by_type})
    return {
        "files": len(definitions),
        "where": [d.where for d in definitions],
        "lines": sum(d.lines for d in definitions),
        "canonical_lines": sum(canonical_lines(d.document) for d in definitions),
        "states": sum(types.values()),
        "states_by_type": by_type,
        "task_states": types["Task"],
        "retriers": len(attempts),
        "catchers": catchers,
        "retrier_max_attempts": sorted(attempts),
        "max_attempts": max(attempts, default=0),
    }


def definition_share(definition_lines: int, python_sloc: int) -> float:
    """The definition's share of what the implementation's developer writes: definition lines / (Python
    SLOC + definition lines); 0.0 without a definition."""
    total = definition_lines + python_sloc
    return round(definition_lines / total, 4) if total else 0.0
