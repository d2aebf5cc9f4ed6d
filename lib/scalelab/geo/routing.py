"""Routing per region: which data centre GeoDNS sends each region's users to.

GeoDNS gives every client of a region the same answer (as geolocation routing does).
:func:`nearest_healthy` picks the nearest DC that is up and ignores capacity;
:func:`capacity_aware` spills whole regions to the next-nearest DC with room;
:func:`brute_force_assignment` finds the optimum for up to 4 DCs to compare with.
:func:`dc_load`, :func:`assignment_matrix` and :func:`mean_rtt` measure an assignment, and
:func:`capacity_for_one_loss` gives the capacity each DC needs to survive the loss of any one.
Demands in requests/s, round trips in seconds.
"""

from __future__ import annotations

import itertools

import numpy as np

from scalelab.validate import check_array, check_int

__all__ = [
    "nearest_healthy",
    "assignment_matrix",
    "dc_load",
    "mean_rtt",
    "capacity_aware",
    "brute_force_assignment",
    "capacity_for_one_loss",
]


def _as_rtt(t_rtt) -> np.ndarray:
    rtt = check_array("t_rtt", t_rtt, ndim=2, low=0, unit="round trips (s, regions × DCs)")
    return rtt


def _as_up(up, n_dcs: int) -> np.ndarray:
    up_arr = np.asarray(up)
    if up_arr.shape != (n_dcs,):
        raise ValueError(f"up must hold one True/False per DC ({n_dcs}); got shape {up_arr.shape}")
    return up_arr.astype(bool)


def _as_demand(rate_demand, n_regions: int) -> np.ndarray:
    demand = check_array("rate_demand", rate_demand, ndim=None, low=0, unit="requests/s")
    if demand.shape != (n_regions,):
        raise ValueError(
            f"rate_demand must hold one rate per region ({n_regions}); got shape {demand.shape}"
        )
    return demand


def nearest_healthy(t_rtt, up) -> np.ndarray:
    """For each region, the index of the healthy DC with the smallest RTT (-1 if none is up).

    Ties go to the lower index. ``t_rtt`` is regions × DCs (s); ``up`` one bool per DC.

    >>> nearest_healthy([[0.020, 0.110], [0.110, 0.020]], [True, False]).tolist()
    [0, 0]
    """
    rtt = _as_rtt(t_rtt)
    ok = _as_up(up, rtt.shape[1])
    if not ok.any():
        return np.full(rtt.shape[0], -1, dtype=int)
    masked = np.where(ok[None, :], rtt, np.inf)
    return np.argmin(masked, axis=1).astype(int)


def assignment_matrix(choice, n_dcs: int) -> np.ndarray:
    """Regions × DCs matrix of traffic shares (one-hot rows; a row of zeros where choice is -1).

    >>> assignment_matrix([1, -1], 2).tolist()
    [[0.0, 1.0], [0.0, 0.0]]
    """
    check_int("n_dcs", n_dcs, low=1)
    choice = np.asarray(choice, dtype=int)
    out = np.zeros((choice.size, n_dcs))
    ok = choice >= 0
    out[np.nonzero(ok)[0], choice[ok]] = 1.0
    return out


def dc_load(rate_demand, choice, n_dcs: int) -> np.ndarray:
    """Offered load (requests/s) on each DC when region ``r`` sends all its traffic to ``choice[r]``.

    >>> dc_load([100, 50, 25], [0, 1, 0], 2).tolist()
    [125.0, 50.0]
    """
    choice = np.asarray(choice, dtype=int)
    demand = _as_demand(rate_demand, choice.size)
    return demand @ assignment_matrix(choice, n_dcs)


def mean_rtt(rate_demand, t_rtt, choice) -> float:
    """Request-weighted mean RTT (s) of an assignment of regions to DCs.

    >>> round(mean_rtt([1, 3], [[0.020, 0.100], [0.100, 0.020]], [0, 0]), 6)
    0.08
    """
    rtt = _as_rtt(t_rtt)
    demand = _as_demand(rate_demand, rtt.shape[0])
    choice = np.asarray(choice, dtype=int)
    if choice.shape != (rtt.shape[0],) or np.any(choice < 0) or np.any(choice >= rtt.shape[1]):
        raise ValueError(f"choice must give each region a DC index in [0, {rtt.shape[1] - 1}]")
    total = demand.sum()
    if total == 0:
        return 0.0
    return float(demand @ rtt[np.arange(rtt.shape[0]), choice] / total)


def capacity_aware(rate_demand, t_rtt, rate_capacity, up) -> np.ndarray:
    """GeoDNS with capacity: whole regions, biggest first, go to the nearest healthy DC with room.

    A region that fits nowhere goes to the healthy DC with the most spare capacity (which is then
    overloaded). A greedy heuristic: compare it with ``brute_force_assignment``.

    >>> capacity_aware([80, 50], [[0.02, 0.11], [0.02, 0.11]], [100, 100], [True, True]).tolist()
    [0, 1]
    """
    rtt = _as_rtt(t_rtt)
    n_regions, n_dcs = rtt.shape
    demand = _as_demand(rate_demand, n_regions)
    cap = np.asarray(rate_capacity, dtype=float)
    if cap.shape != (n_dcs,) or np.any(cap < 0):
        raise ValueError(f"rate_capacity must hold one rate >= 0 per DC ({n_dcs})")
    ok = _as_up(up, n_dcs)
    choice = np.full(n_regions, -1, dtype=int)
    if not ok.any():
        return choice
    spare = np.where(ok, cap, -np.inf)
    for r in np.argsort(-demand, kind="stable"):
        order = [d for d in np.argsort(rtt[r], kind="stable") if ok[d]]
        fits = [d for d in order if spare[d] >= demand[r] - 1e-9]
        d = fits[0] if fits else int(np.argmax(spare))
        choice[r] = d
        spare[d] -= demand[r]
    return choice


def brute_force_assignment(rate_demand, t_rtt, rate_capacity=None, up=None) -> np.ndarray:
    """The assignment of whole regions to healthy DCs with the lowest mean RTT, by trying all.

    With ``rate_capacity`` it first minimises the overload (requests/s above capacity, summed over
    DCs), then the mean RTT. Up to 4 DCs and 8 regions (at most 65,536 assignments).

    >>> brute_force_assignment([80, 50], [[0.02, 0.11], [0.02, 0.11]], [100, 100]).tolist()
    [0, 1]
    """
    rtt = _as_rtt(t_rtt)
    n_regions, n_dcs = rtt.shape
    check_int("number of DCs", n_dcs, low=1, high=4)
    check_int("number of regions", n_regions, low=1, high=8)
    demand = _as_demand(rate_demand, n_regions)
    ok = np.ones(n_dcs, bool) if up is None else _as_up(up, n_dcs)
    if not ok.any():
        return np.full(n_regions, -1, dtype=int)
    cap = np.full(n_dcs, np.inf) if rate_capacity is None else np.asarray(rate_capacity, float)
    if cap.shape != (n_dcs,):
        raise ValueError(f"rate_capacity must hold one rate per DC ({n_dcs})")
    live = np.flatnonzero(ok)
    combos = np.array(list(itertools.product(live, repeat=n_regions)), dtype=int)  # (K, R)
    rtt_sum = (rtt[np.arange(n_regions)[None, :], combos] * demand[None, :]).sum(axis=1)
    loads = np.zeros((combos.shape[0], n_dcs))
    for r in range(n_regions):
        np.add.at(loads, (np.arange(combos.shape[0]), combos[:, r]), demand[r])
    over = np.clip(loads - np.where(np.isinf(cap), np.inf, cap)[None, :], 0, None).sum(axis=1)
    over = np.round(over, 9)
    best = np.lexsort((np.round(rtt_sum, 9), over))[0]
    return combos[best].astype(int)


def capacity_for_one_loss(rate_demand, t_rtt) -> float:
    """Capacity (requests/s) each DC needs so nearest-healthy routing survives losing any one DC.

    The largest load any DC carries when any single DC is down (or none), with every region sent
    to its nearest healthy DC and capacity ignored.

    >>> rtt = [[0.02, 0.09, 0.15], [0.09, 0.02, 0.1], [0.15, 0.1, 0.02]]
    >>> capacity_for_one_loss([100, 100, 100], rtt)
    200.0
    """
    rtt = _as_rtt(t_rtt)
    n_regions, n_dcs = rtt.shape
    demand = _as_demand(rate_demand, n_regions)
    if n_dcs < 2:
        raise ValueError(f"capacity_for_one_loss needs at least 2 DCs; got {n_dcs}")
    worst = 0.0
    for lost in [None, *range(n_dcs)]:
        up = np.ones(n_dcs, bool)
        if lost is not None:
            up[lost] = False
        worst = max(worst, float(dc_load(demand, nearest_healthy(rtt, up), n_dcs).max()))
    return worst
