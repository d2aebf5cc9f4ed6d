"""scalelab.geo.recovery: what a replication mode and a failover policy achieve."""

import itertools

import pytest
from scalelab.geo import (
    BACKBONE_RTT,
    FAILOVER_POLICIES,
    REGIONS,
    REPLICATION_MODES,
    RecoveryTargets,
    RegionPair,
    recovery_outcome,
)

LOOSE = RecoveryTargets(t_rpo=10.0, t_rto=1e5, t_write_max=1.0)


def test_the_default_pair_uses_the_course_backbone_round_trip():
    want = BACKBONE_RTT[REGIONS.index("na-east"), REGIONS.index("europe")]
    assert RegionPair().t_rtt == pytest.approx(want)
    assert RegionPair().t_rtt == pytest.approx(0.090)


def test_sync_loses_nothing_and_pays_one_round_trip():
    pair = RegionPair(t_rtt=0.15, t_write_local=0.004)
    out = recovery_outcome("sync", "automatic", LOOSE, pair)
    assert out.t_data_loss == 0.0
    assert out.t_write == pytest.approx(0.154)


def test_async_loses_its_lag_and_stays_local():
    pair = RegionPair(t_lag=0.8, t_write_local=0.003)
    out = recovery_outcome("async", "manual", LOOSE, pair)
    assert out.t_data_loss == pytest.approx(0.8)
    assert out.t_write == pytest.approx(0.003)


def test_recovery_time_is_decision_plus_promotion_plus_ttl():
    pair = RegionPair(t_detect=20.0, t_promote=40.0, t_ttl=30.0, t_manual=900.0)
    assert recovery_outcome("async", "automatic", LOOSE, pair).t_recovery == pytest.approx(90.0)
    assert recovery_outcome("async", "manual", LOOSE, pair).t_recovery == pytest.approx(970.0)


def test_targets_met_exactly_count_as_met():
    pair = RegionPair()
    t = RecoveryTargets(t_rpo=pair.t_lag, t_rto=150.0, t_write_max=pair.t_write_local)
    assert recovery_outcome("async", "automatic", t, pair).met == {
        "rpo": True,
        "rto": True,
        "write_latency": True,
    }


def test_each_choice_trades_one_target_for_another():
    strict = RecoveryTargets(t_rpo=0.0, t_rto=200.0, t_write_max=0.05)
    outs = {
        (r, f): recovery_outcome(r, f, strict)
        for r, f in itertools.product(REPLICATION_MODES, FAILOVER_POLICIES)
    }
    assert not any(all(o.met.values()) for o in outs.values())  # RPO 0 and 50 ms: impossible
    assert outs[("sync", "automatic")].met == {"rpo": True, "rto": True, "write_latency": False}
    assert outs[("async", "manual")].met == {"rpo": False, "rto": False, "write_latency": True}


@pytest.mark.parametrize(
    "args",
    [("quorum", "manual"), ("async", "sometimes")],
)
def test_unknown_choices_are_refused(args):
    with pytest.raises(ValueError):
        recovery_outcome(*args, LOOSE)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(t_rpo=-1, t_rto=1, t_write_max=1),
        dict(t_rpo=0, t_rto=-1, t_write_max=1),
        dict(t_rpo=0, t_rto=1, t_write_max=0),
    ],
)
def test_targets_are_validated(kwargs):
    with pytest.raises(ValueError):
        RecoveryTargets(**kwargs)


def test_zero_targets_are_allowed_where_meaningful():
    RecoveryTargets(t_rpo=0.0, t_rto=0.0, t_write_max=0.001)
    with pytest.raises(ValueError):
        RegionPair(t_lag=-0.1)
