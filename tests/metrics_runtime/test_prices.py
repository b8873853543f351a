"""The price table: the defaults with their sources, overrides, and clear errors for bad files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from metrics.runtime.prices import DEFAULT_PRICES_FILE, PriceTableError, load_prices


def test_defaults_match_the_checked_prices_and_name_their_sources() -> None:
    table = load_prices()
    assert table.region == "us-east-1" and table.currency == "USD"
    # FACTS.md, "Prices": dollars per unit
    expected = {
        "lambda_request": 0.20 / 1e6, "lambda_gb_second_x86_64": 0.0000166667,
        "lambda_gb_second_arm64": 0.0000133334, "durable_operation": 8.00 / 1e6, "durable_data_written": 0.25,
        "durable_data_retained": 0.15, "dynamodb_write_request_unit": 0.625 / 1e6,
        "dynamodb_read_request_unit": 0.125 / 1e6, "dynamodb_storage": 0.25, "s3_put_request": 0.005 / 1e3,
        "s3_get_request": 0.0004 / 1e3, "s3_storage": 0.023, "stepfunctions_standard_transition": 0.025 / 1e3,
    }
    assert set(table.prices) == set(expected)
    for name, unit_usd in expected.items():
        assert table.unit_usd(name) == pytest.approx(unit_usd, rel=1e-12), name
        price = table[name]
        assert price.source.startswith("https://aws.amazon.com/") and price.read_on == "2026-11-30"


def test_partial_override_replaces_only_its_entries(tmp_path: Path) -> None:
    override = tmp_path / "prices.json"
    override.write_text(json.dumps({"prices": {"lambda_request": {"usd": 0.25, "per": 1000000}}}))
    table = load_prices(override)
    assert table.unit_usd("lambda_request") == pytest.approx(0.25e-6)
    assert table["lambda_request"].source == f"override file {override}"
    assert table["lambda_request"].read_on is None
    assert table.unit_usd("s3_storage") == pytest.approx(0.023)
    assert str(override) in table.origin


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"prices": {"lambda_requests": {"usd": 1}}}, "unknown price name(s) ['lambda_requests']"),
        ({"prices": {"lambda_request": {"usd": -1}}}, "'usd' must be >= 0"),
        ({"prices": {"lambda_request": {"usd": "cheap"}}}, "'usd' must be a number"),
        ({"prices": {"lambda_request": {"usd": 1, "per": 0}}}, "'per' must be > 0"),
        ({"prices": {"lambda_request": {"per": 1}}}, "'usd' is required"),
        ({"prices": {"lambda_request": {"usd": 1, "cost": 2}}}, "unknown field(s) ['cost']"),
        ({"prices": {"lambda_request": 3}}, "must be an object"),
        ({"price": {}}, "must be an object with a 'prices' object"),
        ({"currency": "EUR", "prices": {}}, "currency 'EUR' differs"),
    ],
)
def test_bad_override_is_rejected_with_a_clear_reason(tmp_path: Path, content: dict, message: str) -> None:
    override = tmp_path / "bad.json"
    override.write_text(json.dumps(content))
    with pytest.raises(PriceTableError) as caught:
        load_prices(override)
    assert message in str(caught.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(PriceTableError, match="does not exist"):
        load_prices(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(PriceTableError, match="is not valid JSON"):
        load_prices(broken)


def test_a_full_table_needs_unit_and_source(tmp_path: Path) -> None:
    defaults = tmp_path / "defaults.json"
    defaults.write_text(json.dumps({"prices": {"thing": {"usd": 1, "per": 1, "unit": "x"}}}))
    with pytest.raises(PriceTableError, match="'source' is required"):
        load_prices(defaults=defaults)
    assert json.loads(DEFAULT_PRICES_FILE.read_text())["prices"]  # the shipped file is the defaults


def test_unknown_price_lookup_names_the_table() -> None:
    with pytest.raises(PriceTableError, match="'nothing' is not in the price table"):
        load_prices()["nothing"]
