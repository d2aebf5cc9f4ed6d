"""scalelab.estimate: rates, powers of two, latency figures, product estimates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import estimate as es

pytestmark = pytest.mark.lib
FAST = settings(max_examples=30, derandomize=True, deadline=None, database=None)


def test_chapter_00_names_are_kept():
    assert es.SECONDS_PER_DAY == 86_400
    assert es.average_rate(86_400, 2) == 2.0
    assert es.peak_rate(10.0, 3.0) == 30.0
    assert float(es.diurnal_rate(20.0, 100.0, 2.0)) == pytest.approx(200.0)


def test_diurnal_mean_is_the_mean_rate():
    t = np.linspace(0, 24, 24 * 60, endpoint=False)
    assert float(es.diurnal_rate(t, 321.0, 1.7).mean()) == pytest.approx(321.0)


def test_powers_of_two():
    assert es.power_of_two(2**40) == (40, "TB")
    assert es.power_of_two(1023) == (9, "B")
    assert es.human_bytes(2.5e15) == "2.5 PB"
    with pytest.raises(ValueError, match="n_bytes"):
        es.power_of_two(0)


def test_every_latency_figure_names_its_source_and_year():
    for f in es.LATENCY_FIGURES:
        assert f.source and 2000 <= f.year <= 2030 and f.t_seconds > 0
    assert es.latency("round trip within a data centre").t_seconds == 500e-6
    assert es.latency("read 4 KB randomly from SSD", "oldest").year == 2012
    with pytest.raises(ValueError, match="name must be one of"):
        es.latency("warp drive")


def test_product_estimate_by_hand():
    p = es.Product(
        daily_users=10e6,
        actions_per_user=30,
        p_write=0.2,
        kb_per_write=2,
        kb_per_read=40,
        retention_years=5,
        n_copies=3,
        peak_factor=2,
    )
    e = es.estimate_product(p)
    avg = 10e6 * 30 / 86_400
    assert e.rate_mean == pytest.approx(avg)
    assert e.rate_peak == pytest.approx(2 * avg)
    assert e.rate_writes == pytest.approx(0.2 * avg)
    assert e.storage_bytes == pytest.approx(0.2 * avg * 86_400 * 2_000 * 365 * 5 * 3)
    assert e.rate_bytes_egress == pytest.approx(0.8 * avg * 40_000)
    assert e.rate_bytes_egress_peak == pytest.approx(2 * e.rate_bytes_egress)


@pytest.mark.parametrize(
    "field,value", [("daily_users", -1), ("p_write", 1.5), ("n_copies", 0), ("peak_factor", 0.5)]
)
def test_product_fields_are_validated(field, value):
    with pytest.raises(ValueError, match=field):
        es.Product(**{field: value})


@FAST
@given(st.floats(1e-3, 1e9), st.floats(1.0, 100.0))
def test_within_factor_is_symmetric_on_a_log_scale(truth, factor):
    assert es.within_factor(truth * factor, truth, factor)
    assert es.within_factor(truth / factor, truth, factor)
    assert not es.within_factor(truth * factor * 1.01, truth, factor)
    assert math.isclose(es.average_rate(truth, 1) * 86_400, truth)
