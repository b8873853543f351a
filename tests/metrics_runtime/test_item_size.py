"""DynamoDB item sizes and request units, checked against sizes worked out by hand from AWS's rules."""
from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary

from metrics.runtime.item_size import (
    MAX_ITEM_BYTES,
    UnknownAttributeTypeError,
    item_size,
    number_size,
    python_item_size,
    read_units,
    storage_bytes,
    write_units,
)


@pytest.mark.parametrize(
    ("number", "size"),
    [
        ("7", 2),            # 1 digit: ceil(1/2) + 1
        ("12", 2),           # 2 digits
        ("123", 3),          # 3 digits: ceil(3/2) + 1
        ("1000000", 2),      # trailing zeroes trimmed: 1 digit
        ("0.00012", 2),      # leading zeroes trimmed: 2 digits "12"
        ("-98.765", 4),      # sign does not count: 5 digits -> 3 + 1
        ("0", 2),            # zero: one digit
        ("1E+3", 2),         # exponent form of 1000
    ],
)
def test_number_size_counts_significant_digits(number: str, size: int) -> None:
    assert number_size(number) == size


def test_item_size_of_every_type_by_hand() -> None:
    item = {
        "pk": {"S": "job#42"},                     # 2 + 6 = 8
        "état": {"S": "prêt"},                     # 5 + 5 = 10 (UTF-8: é and ê are 2 bytes)
        "n": {"N": "12345"},                       # 1 + 4 = 5
        "b": {"B": b"\x00\x01\x02"},               # 1 + 3 = 4
        "b64": {"B": "AAECAw=="},                  # 3 + 4 raw bytes = 7 (wire format is base64)
        "ok": {"BOOL": True},                      # 2 + 1 = 3
        "nil": {"NULL": True},                     # 3 + 1 = 4
        "ss": {"SS": ["a", "bc"]},                 # 2 + 3 = 5
        "ns": {"NS": ["1", "100"]},                # 2 + 2 + 2 = 6
        "l": {"L": [{"S": "ab"}, {"N": "1"}]},     # 1 + 3 + (2 + 1) + (2 + 1) = 10
        "m": {"M": {"k": {"S": "v"}}},             # 1 + 3 + (1 + 1 + 1) = 7
        "e": {"L": []},                            # 1 + 3 = 4
    }
    assert item_size(item) == 8 + 10 + 5 + 4 + 7 + 3 + 4 + 5 + 6 + 10 + 7 + 4


def test_nested_map_in_list() -> None:
    # "chunks": list of two maps {"i": N 0, "s": S "done"}:
    # each map = 3 + ("i" 1 + N 2 + 1) + ("s" 1 + 4 + 1) = 13; list = 3 + (13 + 1) * 2 = 31; name 6
    item = {"chunks": {"L": [{"M": {"i": {"N": "0"}, "s": {"S": "done"}}}] * 2}}
    assert item_size(item) == 6 + 31


def test_python_values_match_the_typed_form() -> None:
    plain = {"pk": "job#42", "n": Decimal("12345"), "b": Binary(b"\x00\x01\x02"), "ok": True, "nil": None,
             "l": ["ab", 1], "m": {"k": "v"}, "ss": {"a", "bc"}}
    assert python_item_size(plain) == 8 + 5 + 4 + 3 + 4 + 10 + 7 + 5


def test_missing_item_is_zero_and_unknown_type_is_an_error() -> None:
    assert item_size(None) == 0 and item_size({}) == 0
    with pytest.raises(UnknownAttributeTypeError):
        item_size({"x": {"Q": "1"}})
    with pytest.raises(UnknownAttributeTypeError):
        item_size({"x": {"S": "1", "N": "1"}})


def test_write_units_round_up_per_kb_and_double_in_transactions() -> None:
    assert write_units(0) == 1 and write_units(500) == 1 and write_units(1024) == 1
    assert write_units(1025) == 2 and write_units(1600) == 2 and write_units(3 * 1024 + 1) == 4
    assert write_units(500, transactional=True) == 2 and write_units(2048, transactional=True) == 4


def test_read_units_round_up_per_4kb_by_consistency() -> None:
    assert read_units(0) == 1 and read_units(3500) == 1 and read_units(10 * 1024) == 3
    assert read_units(8 * 1024, consistency="eventual") == 1
    assert read_units(8 * 1024, consistency="transactional") == 4
    assert read_units(100, consistency="eventual") == 0.5
    with pytest.raises(ValueError):
        read_units(1, consistency="sometimes")


def test_storage_adds_per_item_overhead_and_limit_is_400_kb() -> None:
    assert storage_bytes(37) == 137
    assert MAX_ITEM_BYTES == 409_600
