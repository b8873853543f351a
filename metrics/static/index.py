"""Facts about a whole implementation that single files need: its sources (so that calls can be followed
into other modules), the exceptions that mean a lost conditional write, and what the media package exports.
Built once, before the files are analysed; each process then resolves calls through one CallResolver."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .calls import CallResolver
from .conflicts import class_bases, mentions_condition_failure, raised_on_condition_failure, with_subclasses
from .program import Program
from . import vocabulary as vocab


@dataclass(frozen=True)
class ImplementationIndex:
    media_exports: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    conflict_exceptions: frozenset[str] = vocab.CONDITION_FAILURE_NAMES


_resolvers: list[tuple[ImplementationIndex, CallResolver]] = []


def resolver_for(index: ImplementationIndex) -> CallResolver:
    """The CallResolver of this process for `index` (one per implementation: its caches are shared by all
    files of the implementation)."""
    for known, resolver in _resolvers:
        if known is index:
            return resolver
    resolver = CallResolver(Program(index.sources, index.conflict_exceptions))
    _resolvers.append((index, resolver))
    del _resolvers[:-4]  # a report compares a few implementations; older ones are done
    return resolver


def build_index(sources: dict[str, str], media_exports: dict[str, str]) -> ImplementationIndex:
    bases: dict[str, list[str]] = {}
    raised: set[str] = set()
    for path, source in sources.items():
        bases.update(class_bases(source))
        if not mentions_condition_failure(source):
            continue
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        raised |= raised_on_condition_failure(tree)
    conflicts = with_subclasses(raised | set(vocab.CONDITION_FAILURE_NAMES), bases)
    return ImplementationIndex(media_exports, dict(sources), conflicts)
