import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wattprint.errors import InputError
from wattprint.numbers import parse_number, parse_with_unit
from wattprint.quantity import J_PER_KWH, Quantity, add


@pytest.mark.parametrize("text,expected", [
    ("2e12", 2e12), ("2T", 2e12), ("15.6T", 15.6e12), ("3k", 3e3), ("1.5M", 1.5e6),
    ("7B", 7e9), ("7G", 7e9), ("1P", 1e15), (" 42 ", 42.0), (".5", 0.5), (3, 3.0),
])
def test_parse_number_forms(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("bad", ["-1", "0", "nan", "inf", "abc", "2X", "", "1e999", True])
def test_parse_number_rejects(bad):
    with pytest.raises(InputError):
        parse_number(bad)


def test_parse_number_integer_and_zero():
    assert parse_number("0", allow_zero=True) == 0
    with pytest.raises(InputError, match="whole number"):
        parse_number("2.5", integer=True)


def test_parse_with_unit():
    units = {"kWh": J_PER_KWH, "MWh": J_PER_KWH * 1e3}
    assert parse_with_unit("500MWh", "energy", units) == pytest.approx(500 * J_PER_KWH * 1e3)
    assert parse_with_unit("3", "energy", units) == pytest.approx(3 * J_PER_KWH)
    assert parse_with_unit("2 MWh", "energy", units) == pytest.approx(2 * J_PER_KWH * 1e3)
    assert parse_with_unit("2M", "energy", units) == pytest.approx(2e6 * J_PER_KWH)


@pytest.mark.parametrize("text", ["2mwh", "5kwh", "3 parsecs"])
def test_parse_with_unit_names_the_units_not_number_suffixes(text):
    with pytest.raises(InputError, match=r"unknown unit .* \(case-sensitive: kWh, MWh\)"):
        parse_with_unit(text, "--energy", {"kWh": J_PER_KWH, "MWh": J_PER_KWH * 1e3})


def test_cli_energy_with_a_lowercase_unit_is_one_line():
    from wattprint.testing import cli_call

    code, _, err = cli_call("plan", "when", "--region", "us-ca", "--duration", "6h",
                            "--energy", "2mwh")
    assert code == 2 and "unknown unit 'mwh'" in err and "use k, M" not in err


@given(st.floats(min_value=1e-6, max_value=1e30, allow_nan=False))
def test_parse_number_roundtrip(x):
    assert parse_number(repr(x)) == pytest.approx(x)


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(-1e6, 1e6),
       st.floats(0.001, 1e3))
def test_quantity_range_ordered_and_scaled(v, a, b, k):
    q = Quantity(v, "J", "test", "modelled", a, b)
    assert q.lo <= q.hi
    s = q.scaled(k)
    assert s.lo <= s.hi
    assert math.isclose(s.value, v * k, rel_tol=1e-12, abs_tol=1e-12)


def test_quantity_dict_and_add():
    a = Quantity(1.0, "J", "x", "measured", 0.5, 2.0)
    b = Quantity(2.0, "J", "y", "measured")
    c = add(a, b, "sum")
    assert (c.value, c.lo, c.hi, c.basis) == (3.0, 2.5, 4.0, "measured")
    d = c.to_dict()
    assert set(d) >= {"value", "low", "high", "unit", "provenance"}
    assert format(a, ".2f") == "1.00 [0.50 – 2.00] J"
