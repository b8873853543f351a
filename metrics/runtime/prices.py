"""The price table: every price with its unit, its source page and the date it was read.

``prices.json`` beside this module holds the default table (us-east-1, on-demand, from the AWS pricing
pages it names). An override file has the same shape and may hold only some prices: each entry it gives
replaces the default entry of the same name, so ``{"prices": {"lambda_request": {"usd": 0.25, "per":
1000000}}}`` is a valid override (its source then becomes the override file unless it names one). A name
the table does not know is an error, so that a typo cannot silently leave a default in place.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

DEFAULT_PRICES_FILE = Path(__file__).with_name("prices.json")


class PriceTableError(ValueError):
    """A price file that cannot be read, or an entry in it that is missing or malformed."""


@dataclass(frozen=True)
class Price:
    name: str
    usd: float
    per: float
    unit: str
    source: str
    read_on: str | None = None
    note: str | None = None

    @property
    def unit_usd(self) -> float:
        """Dollars for one unit (``usd / per``)."""
        return self.usd / self.per

    def to_dict(self) -> dict[str, Any]:
        return {"usd": self.usd, "per": self.per, "unit": self.unit, "unit_usd": self.unit_usd,
                "source": self.source, "read_on": self.read_on, "note": self.note}


@dataclass(frozen=True)
class PriceTable:
    region: str
    currency: str
    prices: Mapping[str, Price]
    origin: str

    def __getitem__(self, name: str) -> Price:
        try:
            return self.prices[name]
        except KeyError:
            raise PriceTableError(f"price {name!r} is not in the price table ({self.origin})") from None

    def unit_usd(self, name: str) -> float:
        return self[name].unit_usd

    def to_dict(self) -> dict[str, Any]:
        return {"region": self.region, "currency": self.currency, "origin": self.origin,
                "prices": {name: price.to_dict() for name, price in self.prices.items()}}


def _number(where: str, field: str, value: Any, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PriceTableError(f"{where}: {field!r} must be a number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise PriceTableError(f"{where}: {field!r} must be {'> 0' if positive else '>= 0'}, got {value!r}")
    return float(value)


def _text(where: str, field: str, value: Any, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise PriceTableError(f"{where}: {field!r} must be a non-empty string, got {value!r}")
    return value


def _price(name: str, entry: Any, origin: str, base: Price | None) -> Price:
    where = f"{origin}: price {name!r}"
    if not isinstance(entry, Mapping):
        raise PriceTableError(f"{where} must be an object, got {type(entry).__name__}")
    unknown = set(entry) - {"usd", "per", "unit", "source", "read_on", "note"}
    if unknown:
        raise PriceTableError(f"{where}: unknown field(s) {sorted(unknown)}")
    if "usd" not in entry:
        raise PriceTableError(f"{where}: 'usd' is required")
    if base is None:
        for required in ("per", "unit", "source"):
            if required not in entry:
                raise PriceTableError(f"{where}: {required!r} is required")
    per = entry.get("per", base.per if base else None)
    overridden = base is not None
    return Price(
        name=name,
        usd=_number(where, "usd", entry["usd"], positive=False),
        per=_number(where, "per", per, positive=True),
        unit=_text(where, "unit", entry.get("unit", base.unit if base else None), required=True),
        source=_text(where, "source", entry.get("source", f"override file {origin}" if overridden else None),
                     required=True),
        read_on=_text(where, "read_on", entry.get("read_on"), required=False),
        note=_text(where, "note", entry.get("note"), required=False),
    )


def _read(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PriceTableError(f"price file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PriceTableError(f"price file {path} cannot be read: {error}") from None
    except json.JSONDecodeError as error:
        raise PriceTableError(f"price file {path} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("prices"), dict):
        raise PriceTableError(f"price file {path} must be an object with a 'prices' object")
    return data


def load_prices(override: str | Path | None = None, *, defaults: str | Path = DEFAULT_PRICES_FILE) -> PriceTable:
    """The default price table, with the entries of ``override`` (a JSON file) replacing their defaults."""
    base_data = _read(Path(defaults))
    prices = {name: _price(name, entry, str(defaults), None) for name, entry in base_data["prices"].items()}
    region, currency, origin = base_data.get("region", "?"), base_data.get("currency", "USD"), str(defaults)
    if override is not None:
        data = _read(Path(override))
        unknown = sorted(set(data["prices"]) - set(prices))
        if unknown:
            raise PriceTableError(f"{override}: unknown price name(s) {unknown}; known: {sorted(prices)}")
        if data.get("currency", currency) != currency:
            raise PriceTableError(f"{override}: currency {data['currency']!r} differs from {currency!r}")
        for name, entry in data["prices"].items():
            prices[name] = _price(name, entry, str(override), prices[name])
        region = data.get("region", region)
        origin = f"{defaults} + {override}"
    return PriceTable(region=region, currency=currency, prices=prices, origin=origin)
