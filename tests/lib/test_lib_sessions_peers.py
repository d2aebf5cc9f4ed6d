"""Hash routing over a configured peer list: a failure moves one server's users, a resize most."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab.sessions import SessionParams, moved_users, route_peers, simulate_sessions


def test_first_choice_is_user_mod_peers():
    assert route_peers(range(8), [5, 6, 7, 8]).tolist() == [5, 6, 7, 8, 5, 6, 7, 8]


@given(st.integers(2, 8), st.integers(0, 7))
@settings(max_examples=60, derandomize=True, deadline=None, database=None)
def test_a_failure_moves_only_the_failed_servers_users(n_peers, failed):
    failed %= n_peers
    peers = list(range(n_peers))
    uid = np.arange(500)
    before = route_peers(uid, peers)
    after = route_peers(uid, peers, up=[p for p in peers if p != failed])
    assert np.all((before == after) | (before == failed))
    assert not np.any(after == failed)
    assert moved_users(uid, peers, peers, up_after=[p for p in peers if p != failed]) == int(
        np.count_nonzero(before == failed)
    )


def test_a_scale_event_moves_most_users():
    uid = np.arange(1200)
    assert moved_users(uid, [0, 1, 2, 3], [0, 1, 2]) == 900  # 3 in 4
    assert moved_users(uid, [0, 1, 2, 3], [0, 1, 2, 3], up_after=[0, 1, 2]) == 300  # 1 in 4


def test_rehash_spreads_the_failed_servers_users():
    uid = np.arange(4000)
    after = route_peers(uid, [0, 1, 2, 3], up=[1, 2, 3])
    moved = after[uid % 4 == 0]
    counts = np.bincount(moved, minlength=4)[1:]
    assert counts.min() > 0.25 * moved.size  # no survivor takes them all


def test_bad_arguments():
    with pytest.raises(ValueError, match="peers"):
        route_peers([1], [])
    with pytest.raises(ValueError, match="user_ids"):
        route_peers([-1], [0])
    with pytest.raises(ValueError, match="up"):
        route_peers([1], [0, 1], up=[7])


def test_simulation_hash_routing_failure_vs_scale_in():
    """Golden numbers of the chapter 09 drill: 4 servers, 2,000 users, same seed."""
    base = dict(mode="sticky", routing="hash", n_servers=4, peak_factor=2.0, t_session=900.0)
    kill = simulate_sessions(
        SessionParams(**base, kills=((200.0, 0),)), rng=np.random.default_rng(2026)
    )
    scale = simulate_sessions(
        SessionParams(**base, scale_to=((400.0, 3),)), rng=np.random.default_rng(2026)
    )
    assert kill.n_lost == 500  # server 0's quarter of the users
    assert scale.n_lost == 1499  # user % 3 != user % 4: about three users in four
