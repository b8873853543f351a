"""Facts about a whole implementation that single files need: its state wrappers, the exceptions that mean
a lost conditional write, and what the media package exports. Built once, before the files are analysed,
from the file texts (files are parsed here only when a cheap text search says they can contribute)."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .conflicts import class_bases, mentions_condition_failure, raised_on_condition_failure, with_subclasses
from .state_wrappers import StateWrapper, WrapperIndex, find_wrappers, may_define_wrappers
from . import vocabulary as vocab


@dataclass(frozen=True)
class ImplementationIndex:
    media_exports: dict[str, str] = field(default_factory=dict)
    wrappers: tuple[StateWrapper, ...] = ()
    conflict_exceptions: frozenset[str] = vocab.CONDITION_FAILURE_NAMES

    def wrapper_index(self) -> WrapperIndex:
        return WrapperIndex(list(self.wrappers))


def build_index(sources: dict[str, str], media_exports: dict[str, str]) -> ImplementationIndex:
    wrappers: list[StateWrapper] = []
    bases: dict[str, list[str]] = {}
    raised: set[str] = set()
    for path, source in sources.items():
        bases.update(class_bases(source))
        wants_wrappers = may_define_wrappers(source)
        wants_conflicts = mentions_condition_failure(source)
        if not (wants_wrappers or wants_conflicts):
            continue
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        if wants_wrappers:
            wrappers.extend(find_wrappers(path, tree))
        if wants_conflicts:
            raised |= raised_on_condition_failure(tree)
    conflicts = with_subclasses(raised | set(vocab.CONDITION_FAILURE_NAMES), bases)
    return ImplementationIndex(media_exports, tuple(wrappers), conflicts)
