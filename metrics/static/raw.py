"""Size figures (LOC, SLOC, LLOC, comments, blank, ...) exactly as `radon raw` counts them, per line.

radon's `analyze` reads a file as groups of lines that tokenize completely (a statement, a multi-line
string, a comment line) and counts each group. This module runs the same loop with radon's own helpers but
keeps the group boundaries, so the figures can be split by stage; the groups of a file add up to what
`radon.raw.analyze` returns for it.
"""
from __future__ import annotations

import tokenize
from dataclasses import dataclass, fields

from radon.raw import _get_all_tokens, _logical, is_single_token

SLOC, BLANK, MULTI, SINGLE_COMMENT = "sloc", "blank", "multi", "single_comment"


@dataclass
class RawCounts:
    loc: int = 0
    lloc: int = 0
    sloc: int = 0
    comments: int = 0
    multi: int = 0
    blank: int = 0
    single_comments: int = 0

    def add(self, other: "RawCounts") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class RawGroup:
    """Lines `first..first+len(kinds)-1` that radon tokenizes together."""

    first: int
    kinds: tuple[str, ...]  # per line: sloc, blank, multi or single_comment
    lloc: int
    comments: int

    def counts(self) -> RawCounts:
        return RawCounts(*self.as_tuple())

    def as_tuple(self) -> tuple[int, ...]:
        """(loc, lloc, sloc, comments, multi, blank, single_comments), the order of RawCounts' fields."""
        kinds = self.kinds
        if len(kinds) == 1:
            kind = kinds[0]
            return (1, self.lloc, kind == SLOC, self.comments, kind == MULTI, kind == BLANK, kind == SINGLE_COMMENT)
        return (len(kinds), self.lloc, kinds.count(SLOC), self.comments, kinds.count(MULTI), kinds.count(BLANK),
                kinds.count(SINGLE_COMMENT))


def raw_groups(source: str) -> list[RawGroup]:
    """radon.raw.analyze's loop, keeping each group. Raises SyntaxError where radon does."""
    groups = []
    lines = (line.strip() for line in source.splitlines())
    lineno = 1
    for line in lines:
        try:
            tokens, parsed_lines = _get_all_tokens(line, lines)
        except StopIteration:
            raise SyntaxError(f"SyntaxError at line: {lineno}") from None
        comments = sum(1 for t in tokens if t[0] == tokenize.COMMENT)
        if is_single_token(tokenize.COMMENT, tokens):
            kinds = (SINGLE_COMMENT,)
        elif is_single_token(tokenize.STRING, tokens):
            _, _, (start_row, _), (end_row, _), _ = tokens[0]
            if end_row == start_row:
                kinds = (SINGLE_COMMENT,)
            else:
                kinds = tuple(MULTI if parsed else BLANK for parsed in parsed_lines)
        else:
            kinds = tuple(SLOC if parsed else BLANK for parsed in parsed_lines)
        groups.append(RawGroup(lineno, kinds, _logical(tokens), comments))
        lineno += len(parsed_lines)
    return groups


def sum_groups(groups: list[RawGroup], key) -> dict[str, RawCounts]:
    """Counts of the groups, summed per `key(group)`."""
    sums: dict[str, list[int]] = {}
    for group in groups:
        values = group.as_tuple()
        total = sums.get(key(group))
        if total is None:
            sums[key(group)] = list(values)
        else:
            for index, value in enumerate(values):
                total[index] += value
    return {name: RawCounts(*(int(v) for v in values)) for name, values in sums.items()}


def line_kinds(groups: list[RawGroup]) -> list[str]:
    """The kind of every line (index 0 is line 1)."""
    return [kind for group in groups for kind in group.kinds]
