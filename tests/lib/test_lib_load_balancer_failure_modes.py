"""A dead server that hangs or fails fast (``scalelab.load_balancer.failure_modes``)."""

import numpy as np
import pytest
from scalelab.load_balancer import DeadServerParams, simulate_dead_server


def _run(seed=7, **kwargs):
    return simulate_dead_server(DeadServerParams(**kwargs), rng=np.random.default_rng(seed))


def test_round_robin_sends_the_dead_server_its_share_whatever_the_failure():
    for failure in ("fail_fast", "hang"):
        res = _run(policy="round_robin", failure=failure, n_servers=4, t_end=120.0)
        assert res.p_to_dead == pytest.approx(0.25, abs=0.002)


def test_least_connections_black_hole_is_the_server_that_fails_fast():
    fast = _run(policy="least_connections", failure="fail_fast", t_end=120.0)
    hung = _run(policy="least_connections", failure="hang", t_end=120.0)
    assert fast.p_to_dead > 0.35  # far above its 25 % share
    assert hung.p_to_dead < 0.15  # well below it
    assert fast.t_error_mean == 0.0 and hung.t_error_mean == pytest.approx(1.0)


def test_a_longer_timeout_sends_a_hung_server_less_but_costs_each_failure_more():
    short = _run(policy="least_connections", failure="hang", t_timeout=1.0, t_end=120.0)
    long = _run(policy="least_connections", failure="hang", t_timeout=10.0, t_end=120.0)
    assert long.p_to_dead < short.p_to_dead
    assert long.t_error_mean > short.t_error_mean
    assert long.t_response_mean > short.t_response_mean  # the live servers carry more


def test_power_of_two_follows_least_connections():
    fast = _run(policy="power_of_two", failure="fail_fast", t_end=120.0)
    hung = _run(policy="power_of_two", failure="hang", t_end=120.0)
    assert fast.p_to_dead > 0.25 > hung.p_to_dead


def test_every_request_to_the_dead_server_fails_and_littles_law_holds():
    res = _run(policy="random", failure="hang", t_timeout=2.0, rate=40.0, t_end=300.0)
    assert res.n_errors == res.n_to_dead
    assert res.p_errors == pytest.approx(res.n_to_dead / res.n_requests)
    # L = λ W on the dead server: connections held = its arrival rate × the timeout
    rate_dead = res.n_to_dead / 300.0
    assert res.n_dead_active_mean == pytest.approx(rate_dead * 2.0, rel=0.05)


def test_same_seed_same_run_and_no_traffic():
    a, b = _run(seed=3), _run(seed=3)
    assert (a.n_to_dead, a.n_requests) == (b.n_to_dead, b.n_requests)
    idle = _run(rate=0.0)
    assert idle.n_requests == 0 and idle.p_to_dead == 0.0 and idle.p_errors == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"failure": "crash"},
        {"policy": "weighted_random"},
        {"n_servers": 1},
        {"t_timeout": 0.0},
        {"rate": -1.0},
        {"rate_service": 0.0},
    ],
)
def test_invalid_parameters_name_themselves(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        DeadServerParams(**kwargs)


def test_params_and_rng_are_checked():
    with pytest.raises(ValueError, match="DeadServerParams"):
        simulate_dead_server({"rate": 1.0}, rng=np.random.default_rng(1))
    with pytest.raises(ValueError, match="rng"):
        simulate_dead_server(DeadServerParams(), rng=1)
