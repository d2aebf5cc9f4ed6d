"""Semi-synchronous replication's fallback to asynchronous (``scalelab.replication.semisync``)."""

import math

import numpy as np
import pytest
from scalelab.replication import SemiSyncParams, simulate_semisync


def _run(seed=5, **kwargs):
    return simulate_semisync(SemiSyncParams(**kwargs), rng=np.random.default_rng(seed))


def test_no_stall_no_loss_and_acks_after_shipping():
    run = _run(t_stall=100.0, t_recover=100.0, t_fail=30.0)
    assert math.isnan(run.t_fallback) and run.n_lost == 0 and run.n_no_ack == 0
    waits = run.t_ack - run.t_write
    assert np.allclose(waits[np.isfinite(waits)], 0.001)


def test_a_stall_longer_than_the_timeout_falls_back_and_loses_acknowledged_writes():
    run = _run(t_stall=20.0, t_timeout=10.0, t_fail=45.0)
    first = float(run.t_write[run.t_write + 0.001 > 20.0][0])
    assert run.t_fallback == pytest.approx(first + 10.0)
    # every write committed after the stall was acknowledged and is lost
    after = np.flatnonzero(run.t_write + 0.001 > 20.0) + 1
    assert run.lost == tuple(int(i) for i in after)
    assert run.n_lost == run.n_no_ack
    assert run.t_ack_max == pytest.approx(10.0)
    assert run.n_lost == pytest.approx(20.0 * 25.0, rel=0.15)


def test_a_stall_shorter_than_the_timeout_only_delays_writes():
    run = _run(t_stall=20.0, t_recover=24.0, t_timeout=10.0, t_fail=45.0)
    assert math.isnan(run.t_fallback) and run.n_lost == 0
    assert 3.9 < run.t_ack_max <= 4.001


def test_a_shorter_timeout_falls_back_sooner_with_the_same_loss():
    slow, quick = _run(t_timeout=10.0), _run(t_timeout=1.0)
    assert quick.t_fallback == pytest.approx(slow.t_fallback - 9.0)
    assert quick.n_lost == slow.n_lost
    assert quick.t_ack_max == pytest.approx(1.0)


def test_a_failure_during_the_wait_leaves_writes_unacknowledged_not_lost():
    run = _run(t_stall=20.0, t_timeout=10.0, t_fail=25.0)
    assert math.isnan(run.t_fallback) and run.n_lost == 0
    assert len(run.unacknowledged) == int((run.t_write + 0.001 > 20.0).sum()) > 0


def test_after_recovery_semi_sync_resumes():
    run = _run(t_stall=10.0, t_recover=30.0, t_timeout=5.0, t_fail=45.0)
    assert run.n_lost == 0  # the replica received the backlog at 30 s
    assert run.n_no_ack > 0  # but for 15 s acknowledged writes had no replica copy
    late = run.t_write > 31.0
    assert np.allclose((run.t_ack - run.t_write)[late], 0.001)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"rate_writes": -1.0}, "rate_writes"),
        ({"t_timeout": -1.0}, "t_timeout"),
        ({"t_stall": 5.0, "t_recover": 4.0}, "t_recover"),
        ({"t_fail": float("nan")}, "t_fail"),
    ],
)
def test_invalid_parameters_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SemiSyncParams(**kwargs)


def test_params_and_rng_are_checked():
    with pytest.raises(ValueError, match="SemiSyncParams"):
        simulate_semisync({}, rng=np.random.default_rng(1))
    with pytest.raises(ValueError, match="rng"):
        simulate_semisync(SemiSyncParams(), rng=None)
