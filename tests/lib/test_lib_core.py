"""The shared core: argument checks, grading helpers, estimates and the widget pattern."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab import checks, estimate, validate
from scalelab.widgets import Explorer, caption_html, in_grading, show
from scalelab.widgets.estimate import explore_daily_traffic

pytestmark = pytest.mark.lib


@pytest.mark.parametrize(
    ("kwargs", "value", "message"),
    [
        ({"low": 0}, -1, "t_ttl must be >= 0; got -1"),
        ({"low": 0, "low_open": True}, 0, "t_ttl must be > 0; got 0"),
        ({"low": 0, "high": 1}, 2, "t_ttl must be in [0, 1]; got 2"),
        ({"low": 0}, float("nan"), "t_ttl must be a finite number >= 0; got nan"),
        ({"low": 0}, "5", "t_ttl must be a number >= 0; got '5'"),
        ({"low": 0}, True, "t_ttl must be a number >= 0; got True"),
    ],
)
def test_check_number_names_parameter_value_and_range(kwargs, value, message):
    with pytest.raises(ValueError) as err:
        validate.check_number("t_ttl", value, **kwargs)
    assert str(err.value) == message


def test_check_int_and_rng():
    assert validate.check_int("n", np.int64(3), low=1) == 3
    with pytest.raises(ValueError, match="n must be a whole number >= 1; got 0"):
        validate.check_int("n", 0, low=1)
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        validate.check_rng(np.random.RandomState(1))


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __float__(self):
        return 1.0


def test_as_float_rejects_objects_that_equal_everything():
    with pytest.raises(AssertionError, match="should be a number"):
        checks.as_float(AlwaysEqual())
    with pytest.raises(AssertionError):
        checks.as_int(2.0)
    with pytest.raises(AssertionError):
        checks.as_list(AlwaysEqual())


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 100))
@settings(max_examples=200, derandomize=True, deadline=None, database=None)
def test_partial_credit_is_a_plain_float_in_range(earned, points):
    got = checks.partial_credit(earned, points)
    assert type(got) is float and 0.0 <= got <= points


def test_partial_credit_of_numpy_scalar_is_plain():
    assert repr(checks.partial_credit(np.float64(1.5), 2)) == "1.5"


def test_expect_close_and_raises():
    checks.expect_close(1.0000001, 1.0, rel=1e-6)
    with pytest.raises(AssertionError, match="hit ratio: expected about 0.5"):
        checks.expect_close(0.4, 0.5, what="hit ratio")
    with pytest.raises(AssertionError, match="should raise ValueError"):
        checks.expect_raises(ValueError, abs, -1)


def test_library_disabled_also_catches_names_imported_into_main():
    import __main__

    __main__._test_alias = estimate.average_rate
    try:
        with checks.library_disabled("scalelab.estimate.average_rate"):
            with pytest.raises(RuntimeError, match="switched off"):
                estimate.average_rate(1, 1)
            with pytest.raises(RuntimeError, match="switched off"):
                __main__._test_alias(1, 1)
        assert estimate.average_rate(86_400, 1) == 1.0
    finally:
        del __main__._test_alias


def test_estimates():
    assert estimate.average_rate(86_400, 2) == 2.0
    assert estimate.peak_rate(10.0, 3) == 30.0
    hours = np.linspace(0, 24, 24 * 60, endpoint=False)
    rate = estimate.diurnal_rate(hours, 100.0, 1.8)
    assert math.isclose(rate.mean(), 100.0, rel_tol=1e-9)
    assert math.isclose(rate.max(), 180.0, rel_tol=1e-6)
    with pytest.raises(ValueError, match="peak_factor must be in \\[1, 2\\]; got 2.5"):
        estimate.diurnal_rate(hours, 100.0, 2.5)


def test_explorer_updates_figure_and_caption_from_controls():
    ex = explore_daily_traffic()
    assert isinstance(ex, Explorer)
    before_y = list(ex.figure.data[0].y)
    before_caption = ex.caption.value
    ex.controls["daily_users"].value = 4_000_000
    assert list(ex.figure.data[0].y) != before_y
    assert ex.caption.value != before_caption
    assert "4,000,000 users" in ex.caption.value
    assert math.isclose(max(ex.figure.data[0].y), 4_000_000 * 20 / 86_400 * 1.8, rel_tol=1e-3)


def test_show_builds_nothing_while_grading(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert in_grading()
    assert show(explore_daily_traffic) is None
    assert "not built while the notebook is being graded" in capsys.readouterr().out


def test_caption_is_escaped():
    assert "&lt;b&gt;" in caption_html("<b>")
