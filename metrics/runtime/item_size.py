"""DynamoDB item sizes by AWS's rules, and the request units a read or write of that size consumes.

Item size, from "DynamoDB item sizes and formats"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html, read
2026-11-30): the size of an item is the sum, over its attributes, of the UTF-8 length of the attribute name
plus the size of the value, where

- a string (S) is its UTF-8 bytes;
- a number (N) is "approximately" 1 byte per two significant digits plus 1 byte, leading and trailing
  zeroes trimmed; we take ``ceil(significant digits / 2) + 1``;
- a binary (B) is its raw bytes (not the base64 text sent on the wire);
- a null (NULL) or Boolean (BOOL) is 1 byte;
- a list (L) or map (M) is 3 bytes plus, for each element, its size plus 1 byte (a map element's size
  includes its key's UTF-8 length);
- sets (SS, NS, BS) are not spelt out by AWS; we count the sum of their elements' sizes, no overhead.

Storage is billed on the item size plus 100 bytes of per-item indexing overhead (same page).

Request units, from "DynamoDB read and write operations"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html, read
2026-11-30): one write unit per 1 KB (1,024 bytes) written, sizes rounded up to the next KB; transactional
writes take two. One read unit per 4 KB read strongly consistently, half for an eventually consistent read,
two for a transactional read. A request for an item that does not exist still consumes the minimum.

Items are given in DynamoDB's typed wire format (``{"name": {"S": "x"}}``), as a low-level boto3 client
or the HTTP API carries them; :func:`python_item_size` takes plain Python values (what a boto3 ``Table``
resource takes) and converts them with boto3's own ``TypeSerializer`` first.
"""
from __future__ import annotations

import base64
import math
from decimal import Decimal
from typing import Any, Mapping

from boto3.dynamodb.types import TypeSerializer

#: DynamoDB's KB is 1,024 bytes; the item size limit is 400 KB of it.
KB = 1024
WRITE_UNIT_BYTES = 1 * KB
READ_UNIT_BYTES = 4 * KB
MAX_ITEM_BYTES = 400 * KB
STORAGE_OVERHEAD_BYTES_PER_ITEM = 100

_READ_FACTORS = {"eventual": 0.5, "strong": 1.0, "transactional": 2.0}


class UnknownAttributeTypeError(ValueError):
    """An attribute value whose type descriptor is not one of DynamoDB's ten."""


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def number_size(number: str | int | float | Decimal) -> int:
    """``ceil(significant digits / 2) + 1``: leading and trailing zeroes, sign and exponent do not count."""
    digits = Decimal(str(number)).normalize().as_tuple().digits
    significant = len(digits) if any(digits) else 1
    return math.ceil(significant / 2) + 1


def _binary_size(value: bytes | bytearray | memoryview | str) -> int:
    if isinstance(value, str):  # the wire format carries binaries as base64 text
        return len(base64.b64decode(value))
    return len(bytes(value))


def _list_size(elements: list) -> int:
    return 3 + sum(attribute_value_size(element) + 1 for element in elements)


def _map_size(elements: Mapping[str, Mapping[str, Any]]) -> int:
    return 3 + sum(utf8_len(name) + attribute_value_size(element) + 1 for name, element in elements.items())


_SCALAR_SIZE = {"S": utf8_len, "N": number_size, "B": _binary_size, "BOOL": lambda _: 1, "NULL": lambda _: 1}
_SIZE = {
    **_SCALAR_SIZE,
    "SS": lambda values: sum(map(utf8_len, values)),
    "NS": lambda values: sum(map(number_size, values)),
    "BS": lambda values: sum(map(_binary_size, values)),
    "L": _list_size,
    "M": _map_size,
}


def attribute_value_size(value: Mapping[str, Any]) -> int:
    """Size of one typed attribute value, without its name."""
    if len(value) != 1:
        raise UnknownAttributeTypeError(f"an attribute value has exactly one type descriptor, got {sorted(value)}")
    ((kind, data),) = value.items()
    try:
        size_of = _SIZE[kind]
    except KeyError:
        raise UnknownAttributeTypeError(f"unknown DynamoDB type descriptor {kind!r}") from None
    return size_of(data)


def item_size(item: Mapping[str, Mapping[str, Any]] | None) -> int:
    """Size in bytes of a typed item (attribute names plus values); 0 for a missing item."""
    if not item:
        return 0
    return sum(utf8_len(name) + attribute_value_size(value) for name, value in item.items())


def python_item_size(item: Mapping[str, Any]) -> int:
    """Size of an item given as plain Python values (str, int, Decimal, bytes, bool, None, list, dict, set)."""
    serializer = TypeSerializer()
    return item_size({name: serializer.serialize(value) for name, value in item.items()})


def storage_bytes(item_bytes: int) -> int:
    """Bytes DynamoDB bills as storage for one item of ``item_bytes``."""
    return item_bytes + STORAGE_OVERHEAD_BYTES_PER_ITEM


def write_units(item_bytes: int, *, transactional: bool = False) -> int:
    """Write request units for writing one item of ``item_bytes`` (at least one)."""
    units = max(1, math.ceil(item_bytes / WRITE_UNIT_BYTES))
    return units * 2 if transactional else units


def read_units(item_bytes: int, *, consistency: str = "strong") -> float:
    """Read request units for reading ``item_bytes`` in one request (at least the minimum).

    ``consistency`` is ``"eventual"`` (half a unit per 4 KB), ``"strong"`` or ``"transactional"`` (two).
    """
    try:
        factor = _READ_FACTORS[consistency]
    except KeyError:
        raise ValueError(f"consistency must be one of {sorted(_READ_FACTORS)}, got {consistency!r}") from None
    return max(1, math.ceil(item_bytes / READ_UNIT_BYTES)) * factor
