"""Several data centres: GeoDNS routing, failover with a DNS TTL, and cross-region data sync.

The picture. A product whose users live on several continents runs a data centre (DC) in a few
regions. A **GeoDNS** authoritative server answers each DNS query with the address of the DC
that suits the asking client best: normally the nearest one, the one with the smallest round-trip
time (RTT). **Health checks** probe every DC every few seconds; after a few failed probes the DC
is marked down and GeoDNS stops handing out its address. But clients do not ask GeoDNS on every
request: their resolvers keep each answer for its **TTL**, so after a DC dies its users keep
sending requests to it, and failing, until their cached answer expires. Each DC also holds the
data of its users and ships every write to the other regions **asynchronously**: writes that had
not been shipped when the DC died are lost (or stranded until it returns), and users who fail
over read stale or missing data.

What the module models, and how it simplifies:

- **Regions** stand for where users are; each has a site (latitude/longitude of a typical cloud
  region), and ``BACKBONE_RTT_MS`` gives measured round-trip times between the sites. A user
  reaches a DC in ``access RTT + backbone RTT`` (``rtt_matrix``). Within a region everyone is at
  the same distance.
- **Routing** is per region: GeoDNS gives every client of a region the same answer (as
  geolocation routing does). ``nearest_healthy`` ignores capacity; ``capacity_aware`` spills
  whole regions to the next-nearest DC with room; ``brute_force_assignment`` finds the optimum
  for up to 4 DCs to compare with.
- **Time** runs in steps of ``t_step`` seconds. Health checks run every ``t_check`` seconds
  (rounded to the step grid); ``n_fail`` failed checks mark a DC down, ``n_ok`` good ones mark it
  up again.
- **Caches**: each region's clients sit behind many resolvers whose cached answers expire at
  uniformly spread moments. The share of a region's traffic still using an old answer then
  falls linearly over one TTL: the traffic share is a moving average of GeoDNS's answers over
  the last TTL seconds (``client_shares``, exact in expectation). ``simulate_resolvers`` checks
  this with individual resolvers, each a ``scalelab.dns.Resolver`` with its own ``TTLCache``,
  asking a ``GeoDNS`` zone whose answer policy picks the DC for the client's region.
- **Failures**: requests sent to a DC that is down fail; a live DC serves up to its capacity
  and drops the rest (no queueing delay is modelled).
- **Sync**: writes commit at their home DC and are applied at the other regions in order, after
  a one-way network delay plus a random queueing/batching delay (``simulate_sync``).

``geo_buckets`` is the time-bucketed form the capstone composes: per-bucket offered load and DC
health in, per-bucket load, failures and latency out.

>>> world = default_world()
>>> [world.dcs[int(i)].name for i in nearest_healthy(world.rtt_ms, [True, True, True])]
['dc-na-east', 'dc-na-east', 'dc-na-east', 'dc-europe', 'dc-asia', 'dc-asia']
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from scalelab.estimate import average_qps
from scalelab.validate import (
    check_choice,
    check_int,
    check_number,
    check_probability,
    check_rng,
)

__all__ = [
    "REGIONS",
    "SITES",
    "BACKBONE_RTT_MS",
    "T_ACCESS_MS",
    "FIBRE_KM_PER_MS",
    "DEFAULT_USERS_M",
    "DataCenter",
    "World",
    "make_world",
    "default_world",
    "great_circle_km",
    "rtt_lower_bound_ms",
    "rtt_matrix",
    "nearest_healthy",
    "assignment_matrix",
    "dc_load",
    "mean_rtt_ms",
    "capacity_aware",
    "brute_force_assignment",
    "capacity_for_one_loss",
    "detection_time",
    "failover_seconds",
    "expected_failed_requests",
    "health_marks",
    "client_shares",
    "GeoBuckets",
    "geo_buckets",
    "FailoverParams",
    "simulate_failover",
    "failover_summary",
    "FailoverSummary",
    "DOMAIN",
    "GeoDNS",
    "simulate_resolvers",
    "apply_times",
    "unsynced_writes",
    "SyncParams",
    "SyncResult",
    "simulate_sync",
]

# --------------------------------------------------------------------------------------------
# Real-world figures
# --------------------------------------------------------------------------------------------

REGIONS: tuple[str, ...] = ("na-east", "na-west", "s-america", "europe", "asia", "oceania")
"""The user regions, each named after the continent part it stands for."""

SITES: dict[str, tuple[str, float, float]] = {
    # region: (site of a typical cloud region, latitude, longitude)
    "na-east": ("Ashburn, Virginia", 39.04, -77.49),
    "na-west": ("Boardman, Oregon", 45.84, -119.70),
    "s-america": ("São Paulo", -23.55, -46.63),
    "europe": ("Frankfurt", 50.11, 8.68),
    "asia": ("Tokyo", 35.68, 139.69),
    "oceania": ("Sydney", -33.87, 151.21),
}

BACKBONE_RTT_MS = np.array(
    [
        # na-east na-west s-amer europe asia  oceania
        [0.0, 65.0, 115.0, 90.0, 150.0, 200.0],  # na-east
        [65.0, 0.0, 175.0, 145.0, 100.0, 140.0],  # na-west
        [115.0, 175.0, 0.0, 200.0, 255.0, 310.0],  # s-america
        [90.0, 145.0, 200.0, 0.0, 225.0, 265.0],  # europe
        [150.0, 100.0, 255.0, 225.0, 0.0, 105.0],  # asia
        [200.0, 140.0, 310.0, 265.0, 105.0, 0.0],  # oceania
    ]
)
"""Round-trip times (ms) between the sites of ``REGIONS``, rounded to 5 ms.

Medians of the inter-region pings published by CloudPing (AWS regions us-east-1, us-west-2,
sa-east-1, eu-central-1, ap-northeast-1, ap-southeast-2; https://www.cloudping.co/grid, 2024)
and WonderNetwork's global ping statistics (https://wondernetwork.com/pings, 2024). They vary by
route and by day; the order of magnitude is what matters. Each is 1.1 to 2.5 times the
speed-of-light-in-fibre bound (``rtt_lower_bound_ms``): real paths are longer than great
circles (Bozkurt et al., "Why is the Internet so slow?!", PAM 2017, measure this inflation).
"""

T_ACCESS_MS = 20.0
"""Round trip (ms) from a user to a data centre in the user's own region: the access network
("last mile") plus metro transit. Fixed broadband measures 10-30 ms to a nearby server (FCC,
Measuring Broadband America, 2023); mobile networks more."""

FIBRE_KM_PER_MS = 200.0
"""Light in optical fibre covers about 200 km per millisecond (refractive index about 1.5)."""

DEFAULT_USERS_M: dict[str, float] = {
    "na-east": 12.0,
    "na-west": 8.0,
    "s-america": 6.0,
    "europe": 14.0,
    "asia": 16.0,
    "oceania": 3.0,
}
"""Daily users (millions) of the fictional product the chapter follows."""


# --------------------------------------------------------------------------------------------
# Regions, data centres, latency
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataCenter:
    """A data centre: its name, the region it stands in, and what it can serve (requests/s)."""

    name: str
    region: str
    capacity_rps: float


@dataclass(frozen=True)
class World:
    """User regions with their offered load, the data centres, and the RTT between them.

    ``demand_rps[r]`` is the average request rate (requests/s) of region ``r``'s users;
    ``rtt_ms[r][d]`` the round trip (ms) from region ``r`` to data centre ``d``.
    Use ``make_world`` to build one; array views are ``demand``, ``rtt`` and ``capacity``.
    """

    regions: tuple[str, ...]
    demand_rps: tuple[float, ...]
    dcs: tuple[DataCenter, ...]
    rtt_ms: tuple[tuple[float, ...], ...]

    @property
    def demand(self) -> np.ndarray:
        return np.asarray(self.demand_rps, dtype=float)

    @property
    def rtt(self) -> np.ndarray:
        return np.asarray(self.rtt_ms, dtype=float)

    @property
    def capacity(self) -> np.ndarray:
        return np.array([dc.capacity_rps for dc in self.dcs], dtype=float)

    @property
    def dc_names(self) -> list[str]:
        return [dc.name for dc in self.dcs]


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance (km) along the Earth's surface between two points (haversine, radius 6371 km).

    >>> round(great_circle_km(50.11, 8.68, 39.04, -77.49))
    6549
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def rtt_lower_bound_ms(distance_km: float) -> float:
    """The fastest possible round trip (ms) over ``distance_km`` of straight fibre: 2d / 200 km/ms.

    >>> rtt_lower_bound_ms(6531)
    65.31
    """
    check_number("distance_km", distance_km, low=0)
    return 2 * distance_km / FIBRE_KM_PER_MS


def rtt_matrix(
    user_regions=REGIONS, dc_regions=REGIONS, t_access_ms: float = T_ACCESS_MS
) -> np.ndarray:
    """Round trip (ms) from each user region to each DC region: access RTT + backbone RTT.

    >>> rtt_matrix(["europe", "asia"], ["na-east", "europe"]).tolist()
    [[110.0, 20.0], [170.0, 245.0]]
    """
    check_number("t_access_ms", t_access_ms, low=0, high=1000)
    index = {r: i for i, r in enumerate(REGIONS)}
    for name, regs in (("user_regions", user_regions), ("dc_regions", dc_regions)):
        for r in regs:
            check_choice(name, r, REGIONS)
    rows = [index[r] for r in user_regions]
    cols = [index[r] for r in dc_regions]
    return t_access_ms + BACKBONE_RTT_MS[np.ix_(rows, cols)]


def make_world(
    users_m: dict[str, float] | None = None,
    dc_regions=("na-east", "europe", "asia"),
    capacity_rps=8_000.0,
    requests_per_user: float = 20.0,
    t_access_ms: float = T_ACCESS_MS,
) -> World:
    """A world of the six ``REGIONS`` with ``users_m`` daily users (millions) and DCs in ``dc_regions``.

    Each region's demand is its average request rate (requests/s): daily users times
    ``requests_per_user`` over 86,400 s. ``capacity_rps`` is one number for every DC or one per DC.

    >>> w = make_world({"europe": 8.64, "asia": 0.0}, dc_regions=["europe"], requests_per_user=10)
    >>> w.regions, w.demand_rps, w.dcs[0].name
    (('europe', 'asia'), (1000.0, 0.0), 'dc-europe')
    """
    users_m = dict(DEFAULT_USERS_M if users_m is None else users_m)
    if not users_m:
        raise ValueError("users_m must name at least one region; got {}")
    dc_regions = list(dc_regions)
    check_int("number of dc_regions", len(dc_regions), low=1, high=len(REGIONS))
    if len(set(dc_regions)) != len(dc_regions):
        raise ValueError(f"dc_regions must not repeat a region; got {dc_regions}")
    caps = np.broadcast_to(np.asarray(capacity_rps, dtype=float), (len(dc_regions),))
    for r, users in users_m.items():
        check_choice("users_m region", r, REGIONS)
        check_number(f"users_m[{r!r}]", users, low=0, high=10_000)
    check_number("requests_per_user", requests_per_user, low=0, high=100_000)
    regions = tuple(users_m)
    demand = tuple(float(average_qps(users_m[r] * 1e6, requests_per_user)) for r in regions)
    dcs = []
    for r, cap in zip(dc_regions, caps, strict=True):
        check_number(f"capacity_rps of dc-{r}", float(cap), low=0)
        dcs.append(DataCenter(f"dc-{r}", r, float(cap)))
    rtt = rtt_matrix(regions, dc_regions, t_access_ms)
    return World(regions, demand, tuple(dcs), tuple(tuple(float(x) for x in row) for row in rtt))


def default_world() -> World:
    """The chapter's product: ``DEFAULT_USERS_M``, 20 requests/user/day, 3 DCs of 8,000 requests/s.

    >>> round(sum(default_world().demand_rps))
    13657
    """
    return make_world()


# --------------------------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------------------------


def _as_rtt(rtt_ms) -> np.ndarray:
    rtt = np.asarray(rtt_ms, dtype=float)
    if rtt.ndim != 2 or rtt.shape[0] < 1 or rtt.shape[1] < 1:
        raise ValueError(f"rtt_ms must be a 2-d (regions × DCs) array; got shape {rtt.shape}")
    if not np.all(np.isfinite(rtt)) or np.any(rtt < 0):
        raise ValueError("rtt_ms must hold finite round-trip times >= 0 ms")
    return rtt


def _as_up(up, n_dcs: int) -> np.ndarray:
    up_arr = np.asarray(up)
    if up_arr.shape != (n_dcs,):
        raise ValueError(f"up must hold one True/False per DC ({n_dcs}); got shape {up_arr.shape}")
    return up_arr.astype(bool)


def _as_demand(demand_rps, n_regions: int) -> np.ndarray:
    demand = np.asarray(demand_rps, dtype=float)
    if demand.shape != (n_regions,):
        raise ValueError(
            f"demand_rps must hold one rate per region ({n_regions}); got shape {demand.shape}"
        )
    if not np.all(np.isfinite(demand)) or np.any(demand < 0):
        raise ValueError("demand_rps must hold finite rates >= 0 requests/s")
    return demand


def nearest_healthy(rtt_ms, up) -> np.ndarray:
    """For each region, the index of the healthy DC with the smallest RTT (-1 if none is up).

    Ties go to the lower index. ``rtt_ms`` is regions × DCs (ms); ``up`` one bool per DC.

    >>> nearest_healthy([[20, 110], [110, 20]], [True, False]).tolist()
    [0, 0]
    """
    rtt = _as_rtt(rtt_ms)
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


def dc_load(demand_rps, choice, n_dcs: int) -> np.ndarray:
    """Offered load (requests/s) on each DC when region ``r`` sends all its traffic to ``choice[r]``.

    >>> dc_load([100, 50, 25], [0, 1, 0], 2).tolist()
    [125.0, 50.0]
    """
    choice = np.asarray(choice, dtype=int)
    demand = _as_demand(demand_rps, choice.size)
    return demand @ assignment_matrix(choice, n_dcs)


def mean_rtt_ms(demand_rps, rtt_ms, choice) -> float:
    """Request-weighted mean RTT (ms) of an assignment of regions to DCs.

    >>> mean_rtt_ms([1, 3], [[20, 100], [100, 20]], [0, 0])
    80.0
    """
    rtt = _as_rtt(rtt_ms)
    demand = _as_demand(demand_rps, rtt.shape[0])
    choice = np.asarray(choice, dtype=int)
    if choice.shape != (rtt.shape[0],) or np.any(choice < 0) or np.any(choice >= rtt.shape[1]):
        raise ValueError(f"choice must give each region a DC index in [0, {rtt.shape[1] - 1}]")
    total = demand.sum()
    if total == 0:
        return 0.0
    return float(demand @ rtt[np.arange(rtt.shape[0]), choice] / total)


def capacity_aware(demand_rps, rtt_ms, capacity_rps, up) -> np.ndarray:
    """GeoDNS with capacity: whole regions, biggest first, go to the nearest healthy DC with room.

    A region that fits nowhere goes to the healthy DC with the most spare capacity (which is then
    overloaded). A greedy heuristic: compare it with ``brute_force_assignment``.

    >>> capacity_aware([80, 50], [[20, 110], [20, 110]], [100, 100], [True, True]).tolist()
    [0, 1]
    """
    rtt = _as_rtt(rtt_ms)
    n_regions, n_dcs = rtt.shape
    demand = _as_demand(demand_rps, n_regions)
    cap = np.asarray(capacity_rps, dtype=float)
    if cap.shape != (n_dcs,) or np.any(cap < 0):
        raise ValueError(f"capacity_rps must hold one rate >= 0 per DC ({n_dcs})")
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


def brute_force_assignment(demand_rps, rtt_ms, capacity_rps=None, up=None) -> np.ndarray:
    """The assignment of whole regions to healthy DCs with the lowest mean RTT, by trying all.

    With ``capacity_rps`` it first minimises the overload (requests/s above capacity, summed over
    DCs), then the mean RTT. Up to 4 DCs and 8 regions (at most 65,536 assignments).

    >>> brute_force_assignment([80, 50], [[20, 110], [20, 110]], [100, 100]).tolist()
    [0, 1]
    """
    rtt = _as_rtt(rtt_ms)
    n_regions, n_dcs = rtt.shape
    check_int("number of DCs", n_dcs, low=1, high=4)
    check_int("number of regions", n_regions, low=1, high=8)
    demand = _as_demand(demand_rps, n_regions)
    ok = np.ones(n_dcs, bool) if up is None else _as_up(up, n_dcs)
    if not ok.any():
        return np.full(n_regions, -1, dtype=int)
    cap = np.full(n_dcs, np.inf) if capacity_rps is None else np.asarray(capacity_rps, float)
    if cap.shape != (n_dcs,):
        raise ValueError(f"capacity_rps must hold one rate per DC ({n_dcs})")
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


def capacity_for_one_loss(demand_rps, rtt_ms) -> float:
    """Capacity (requests/s) each DC needs so nearest-healthy routing survives losing any one DC.

    The largest load any DC carries when any single DC is down (or none), with every region sent
    to its nearest healthy DC and capacity ignored.

    >>> capacity_for_one_loss([100, 100, 100], [[20, 90, 150], [90, 20, 100], [150, 100, 20]])
    200.0
    """
    rtt = _as_rtt(rtt_ms)
    n_regions, n_dcs = rtt.shape
    demand = _as_demand(demand_rps, n_regions)
    if n_dcs < 2:
        raise ValueError(f"capacity_for_one_loss needs at least 2 DCs; got {n_dcs}")
    worst = 0.0
    for lost in [None, *range(n_dcs)]:
        up = np.ones(n_dcs, bool)
        if lost is not None:
            up[lost] = False
        worst = max(worst, float(dc_load(demand, nearest_healthy(rtt, up), n_dcs).max()))
    return worst


# --------------------------------------------------------------------------------------------
# Health checks and the DNS TTL
# --------------------------------------------------------------------------------------------


def detection_time(t_fail: float, t_check: float, n_fail: int) -> float:
    """When (s) health checks mark a DC down that failed at ``t_fail``.

    Checks run at 0, ``t_check``, 2 ``t_check``, …; a check at the very moment of the failure
    already sees it. The DC is marked down at its ``n_fail``-th failed check in a row.

    >>> detection_time(65.0, 10.0, 3)
    90.0
    """
    check_number("t_fail", t_fail, low=0)
    check_number("t_check", t_check, low=0, low_open=True)
    check_int("n_fail", n_fail, low=1)
    first = math.ceil(t_fail / t_check - 1e-12) * t_check
    return float(first + (n_fail - 1) * t_check)


def failover_seconds(t_fail: float, t_check: float, n_fail: int, t_ttl: float) -> float:
    """Seconds from the failure until the last client has left the dead DC: detection + one TTL.

    >>> failover_seconds(65.0, 10.0, 3, 60.0)
    85.0
    """
    check_number("t_ttl", t_ttl, low=0)
    return detection_time(t_fail, t_check, n_fail) + t_ttl - t_fail


def expected_failed_requests(
    rate_rps: float,
    t_fail: float,
    t_check: float,
    n_fail: int,
    t_ttl: float,
    *,
    p_sticky: float = 0.0,
    t_sticky: float = 900.0,
) -> float:
    """Expected requests that fail because ``rate_rps`` of traffic kept going to a dead DC.

    All of it fails until detection; then the share still cached falls linearly to 0 over one
    TTL, so on average half a TTL's worth more fails: rate × (detection delay + TTL / 2). If a
    share ``p_sticky`` of clients keeps answers for ``t_sticky`` s instead, their half is
    ``t_sticky / 2``.

    >>> expected_failed_requests(100.0, 65.0, 10.0, 3, 60.0)
    5500.0
    >>> expected_failed_requests(100.0, 65.0, 10.0, 3, 60.0, p_sticky=0.1, t_sticky=900.0)
    9700.0
    """
    check_number("rate_rps", rate_rps, low=0)
    check_number("t_ttl", t_ttl, low=0)
    check_probability("p_sticky", p_sticky)
    check_number("t_sticky", t_sticky, low=0)
    delay = detection_time(t_fail, t_check, n_fail) - t_fail
    return rate_rps * (delay + (1 - p_sticky) * t_ttl / 2 + p_sticky * t_sticky / 2)


def health_marks(
    up, t_step: float, t_check: float, n_fail: int = 3, n_ok: int = 2, *, up_before=None
) -> np.ndarray:
    """What the health checker believes (steps × DCs, True = marked up), from the true states.

    ``up`` is steps × DCs (True = the DC really works during that step). A check runs on every
    step whose start time is a multiple of ``t_check`` (rounded to the step grid); if steps are
    longer than ``t_check`` (the capstone's buckets), each step counts as ``t_step // t_check``
    checks. ``n_fail`` failed checks in a row mark a DC down, ``n_ok`` good ones mark it up
    again. Every DC starts marked as it was before the run (``up_before``, default the first
    step's state).

    >>> health_marks([[True], [False], [False], [False], [True], [True]], 10, 10, 2, 1)[:, 0].tolist()
    [True, True, False, False, True, True]
    """
    up = np.asarray(up, dtype=bool)
    if up.ndim != 2 or up.shape[0] < 1:
        raise ValueError(f"up must be a 2-d (steps × DCs) array; got shape {up.shape}")
    check_number("t_step", t_step, low=0, low_open=True)
    check_number("t_check", t_check, low=0, low_open=True)
    check_int("n_fail", n_fail, low=1, high=1000)
    check_int("n_ok", n_ok, low=1, high=1000)
    every = max(1, int(round(t_check / t_step)))
    per_step = max(1, int(t_step // t_check))  # checks that fit in one step
    marked = np.empty_like(up)
    state = up[0].copy() if up_before is None else np.asarray(up_before, bool).copy()
    bad = np.zeros(up.shape[1], dtype=int)
    good = np.zeros(up.shape[1], dtype=int)
    for i in range(up.shape[0]):
        if i % every == 0:
            now = up[i]
            bad = np.where(now, 0, bad + per_step)
            good = np.where(now, good + per_step, 0)
            state = np.where(state & (bad >= n_fail), False, state)
            state = np.where(~state & (good >= n_ok), True, state)
        marked[i] = state
    return marked


def client_shares(answers, n_dcs: int, t_step: float, t_ttl: float) -> np.ndarray:
    """Expected share of each region's traffic going to each DC (steps × regions × DCs).

    ``answers`` (steps × regions) is GeoDNS's answer (a DC index, -1 for none) during each step.
    Resolvers cache an answer for ``t_ttl`` seconds and their caches expire at moments spread
    uniformly, so at time t the clients hold answers given during (t - TTL, t]: the share at t is
    the average of the one-hot answers over that window. Each step reports the mean share over
    the step (exact when the TTL is a whole number of steps). Before the first step the answers
    are taken to be those of the first step.

    >>> client_shares([[0], [1], [1], [1]], 2, 10, 20)[:, 0, 1].tolist()
    [0.0, 0.25, 0.75, 1.0]
    """
    answers = np.asarray(answers, dtype=int)
    if answers.ndim != 2:
        raise ValueError(f"answers must be 2-d (steps × regions); got shape {answers.shape}")
    check_int("n_dcs", n_dcs, low=1)
    check_number("t_step", t_step, low=0, low_open=True)
    check_number("t_ttl", t_ttl, low=0, high=7 * 86_400)
    n_t, n_r = answers.shape
    onehot = np.zeros((n_t, n_r, n_dcs))
    ti, ri = np.nonzero(answers >= 0)
    onehot[ti, ri, answers[ti, ri]] = 1.0
    if t_ttl == 0:
        return onehot
    lag = t_ttl / t_step  # window length in steps
    pad = int(math.ceil(lag)) + 1
    padded = np.concatenate([np.repeat(onehot[:1], pad, axis=0), onehot], axis=0)
    cum = np.concatenate([np.zeros((1, n_r, n_dcs)), np.cumsum(padded, axis=0)], axis=0)
    ends = np.arange(n_t) + 1 + pad  # index into cum of each step's end time
    starts = ends - lag
    lo = np.floor(starts).astype(int)
    frac = (starts - lo)[:, None, None]
    c_start = cum[lo] + frac * (cum[lo + 1] - cum[lo])
    at_end = (cum[ends] - c_start) / lag  # share at the end of each step
    at_start = np.concatenate([onehot[:1], at_end[:-1]], axis=0)
    return 0.5 * (at_start + at_end)


# --------------------------------------------------------------------------------------------
# The time-bucketed form (used by the capstone) and the failover scenario
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeoBuckets:
    """Per-step results of ``geo_buckets`` (rates in requests/s, RTTs in ms).

    ``share``: steps × regions × DCs, expected traffic share; ``answers``: steps × regions,
    GeoDNS's answer; ``marked_up``: steps × DCs, health-check view; ``load_rps``/``served_rps``:
    steps × DCs; ``failed_rps``: steps, every request not served: ``dead_rps`` (sent to a DC that
    is down) plus ``dropped_rps`` (above a live DC's capacity); ``rtt_region_ms``: steps × regions, mean RTT of the requests sent to live DCs (nan if none);
    ``rtt_mean_ms``: steps, over all those requests.
    """

    t: np.ndarray
    share: np.ndarray
    answers: np.ndarray
    marked_up: np.ndarray
    load_rps: np.ndarray
    served_rps: np.ndarray
    failed_rps: np.ndarray
    dead_rps: np.ndarray
    dropped_rps: np.ndarray
    rtt_region_ms: np.ndarray
    rtt_mean_ms: np.ndarray


_POLICIES = ("nearest", "capacity")


def _router(policy: str, demand: np.ndarray, rtt: np.ndarray, cap: np.ndarray):
    """``route(marked, demand=None)``: GeoDNS's answer per region, memoised per distinct input."""
    cache: dict[bytes, np.ndarray] = {}

    def route(marked: np.ndarray, now_demand: np.ndarray | None = None) -> np.ndarray:
        d = demand if now_demand is None else now_demand
        key = marked.tobytes() + (d.tobytes() if policy == "capacity" else b"")
        if key not in cache:
            if policy == "nearest":
                cache[key] = nearest_healthy(rtt, marked)
            else:
                cache[key] = capacity_aware(d, rtt, cap, marked)
        return cache[key]

    return route


def geo_buckets(
    offered_rps,
    t_bucket: float,
    rtt_ms,
    capacity_rps,
    up,
    *,
    t_ttl: float = 60.0,
    t_check: float = 10.0,
    n_fail: int = 3,
    n_ok: int = 2,
    policy: str = "nearest",
    p_sticky: float = 0.0,
    t_sticky: float = 900.0,
) -> GeoBuckets:
    """GeoDNS, health checks and cached answers over time, one bucket of ``t_bucket`` s at a time.

    ``offered_rps``: buckets × regions (requests/s each region's users send); ``up``: buckets ×
    DCs (True when the DC really works). GeoDNS answers each region by ``policy`` ("nearest":
    nearest healthy; "capacity": ``capacity_aware`` with each bucket's demand) from the health
    checker's view; clients follow with the TTL delay of ``client_shares``. A share ``p_sticky``
    of clients ignores the TTL and keeps each answer for ``t_sticky`` seconds instead (browsers,
    runtimes and resolvers that cache longer than told; 0 by default).

    >>> w = default_world()
    >>> up = np.ones((3, 3), bool); up[1:, 1] = False
    >>> out = geo_buckets(np.tile(w.demand, (3, 1)), 60.0, w.rtt, w.capacity, up, t_ttl=0,
    ...                   n_fail=1)
    >>> out.load_rps[:, 1].round().tolist(), out.failed_rps.round().tolist()
    ([3241.0, 0.0, 0.0], [0.0, 1259.0, 1259.0])
    """
    rtt = _as_rtt(rtt_ms)
    n_r, n_d = rtt.shape
    offered = np.asarray(offered_rps, dtype=float)
    if offered.ndim != 2 or offered.shape[1] != n_r or offered.shape[0] < 1:
        raise ValueError(f"offered_rps must be buckets × regions ({n_r}); got {offered.shape}")
    if not np.all(np.isfinite(offered)) or np.any(offered < 0):
        raise ValueError("offered_rps must hold finite rates >= 0 requests/s")
    up = np.asarray(up, dtype=bool)
    if up.shape != (offered.shape[0], n_d):
        raise ValueError(f"up must be buckets × DCs {offered.shape[0], n_d}; got {up.shape}")
    cap = np.asarray(capacity_rps, dtype=float)
    if cap.shape != (n_d,) or np.any(cap < 0):
        raise ValueError(f"capacity_rps must hold one rate >= 0 per DC ({n_d})")
    check_choice("policy", policy, _POLICIES)
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_probability("p_sticky", p_sticky)
    check_number("t_sticky", t_sticky, low=0, high=7 * 86_400)
    marked = health_marks(up, t_bucket, t_check, n_fail, n_ok)
    route = _router(policy, offered.mean(axis=0), rtt, cap)
    answers = np.stack([route(m, o) for m, o in zip(marked, offered, strict=True)])
    share = client_shares(answers, n_d, t_bucket, t_ttl)
    if p_sticky > 0:
        sticky = client_shares(answers, n_d, t_bucket, t_sticky)
        share = (1 - p_sticky) * share + p_sticky * sticky
    to_dc = offered[:, :, None] * share  # buckets × regions × DCs
    load = to_dc.sum(axis=1)
    served = np.where(up, np.minimum(load, cap[None, :]), 0.0)
    dead = np.where(up, 0.0, load).sum(axis=1)
    dropped = np.where(up, np.clip(load - cap[None, :], 0.0, None), 0.0).sum(axis=1)
    unrouted = offered.sum(axis=1) - load.sum(axis=1)  # regions with no answer at all
    dead = dead + np.where(np.abs(unrouted) < 1e-9, 0.0, unrouted)
    failed = dead + dropped
    live = to_dc * up[:, None, :]
    live_rate = live.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        rtt_region = np.where(live_rate > 0, (live * rtt[None]).sum(axis=2) / live_rate, np.nan)
        total_live = live_rate.sum(axis=1)
        rtt_mean = np.where(
            total_live > 0, (live * rtt[None]).sum(axis=(1, 2)) / total_live, np.nan
        )
    t = np.arange(offered.shape[0]) * t_bucket
    return GeoBuckets(
        t, share, answers, marked, load, served, failed, dead, dropped, rtt_region, rtt_mean
    )


@dataclass(frozen=True)
class FailoverParams:
    """A failure drill: DC number ``dc`` dies at ``t_fail`` and comes back at ``t_recover`` (s).

    ``t_ttl``: DNS TTL of GeoDNS's answers (s); ``t_check``: seconds between health checks;
    ``n_fail``/``n_ok``: checks in a row that mark a DC down/up; ``t_end``: length of the run (s);
    ``t_step``: time step (s); ``policy``: "nearest" or "capacity"; ``p_sticky``: share of
    clients that ignore the TTL and keep an answer for ``t_sticky`` seconds.
    """

    dc: int = 1
    t_fail: float = 60.0
    t_recover: float = 600.0
    t_ttl: float = 60.0
    t_check: float = 10.0
    n_fail: int = 3
    n_ok: int = 2
    t_end: float = 900.0
    t_step: float = 1.0
    policy: str = "nearest"
    p_sticky: float = 0.0
    t_sticky: float = 900.0

    def validate(self, n_dcs: int) -> None:
        check_int("dc", self.dc, low=-1, high=n_dcs - 1)
        check_number("t_end", self.t_end, low=0, low_open=True, high=7 * 86_400)
        check_number("t_step", self.t_step, low=0.01, high=3600)
        check_number("t_fail", self.t_fail, low=0, high=self.t_end)
        check_number("t_recover", self.t_recover, low=self.t_fail)
        check_number("t_ttl", self.t_ttl, low=0, high=86_400)
        check_number("t_check", self.t_check, low=0.01, high=3600)
        check_int("n_fail", self.n_fail, low=1, high=100)
        check_int("n_ok", self.n_ok, low=1, high=100)
        check_choice("policy", self.policy, _POLICIES)
        check_probability("p_sticky", self.p_sticky)
        check_number("t_sticky", self.t_sticky, low=0, high=86_400)
        if self.t_end / self.t_step > 100_000:
            raise ValueError(
                f"t_end / t_step must be <= 100000 steps; got {self.t_end / self.t_step}"
            )


def _failover_inputs(world: World, p: FailoverParams):
    p.validate(len(world.dcs))
    n_t = int(round(p.t_end / p.t_step))
    t = np.arange(n_t) * p.t_step
    up = np.ones((n_t, len(world.dcs)), dtype=bool)
    if p.dc >= 0:
        up[(t >= p.t_fail) & (t < p.t_recover), p.dc] = False
    offered = np.tile(world.demand, (n_t, 1))
    return t, up, offered


def simulate_failover(world: World, params: FailoverParams = FailoverParams()) -> GeoBuckets:
    """Run a failure drill on ``world`` with constant demand (expected values, no randomness).

    >>> out = simulate_failover(default_world(), FailoverParams(dc=1, t_ttl=60))
    >>> round(float(out.share[150, 3, 1]), 2)  # Europe's users still on dc-europe at t = 150 s
    0.0
    """
    t, up, offered = _failover_inputs(world, params)
    return geo_buckets(
        offered,
        params.t_step,
        world.rtt,
        world.capacity,
        up,
        t_ttl=params.t_ttl,
        t_check=params.t_check,
        n_fail=params.n_fail,
        n_ok=params.n_ok,
        policy=params.policy,
        p_sticky=params.p_sticky,
        t_sticky=params.t_sticky,
    )


@dataclass(frozen=True)
class FailoverSummary:
    """Key numbers of a failure drill (seconds are measured from the failure)."""

    t_detected: float  # s after the failure when health checks marked the DC down
    t_half_moved: float  # s until half the dead DC's traffic was going elsewhere
    t_all_moved: float  # s until no traffic went to the dead DC
    failed_requests: float  # requests sent to the dead DC (they time out or are refused)
    dropped_requests: float  # requests above a live DC's capacity (overload after failover)
    peak_load_rps: dict[str, float]  # highest load on each DC during the run
    t_back: float  # s after recovery until the DC had its traffic back (nan if it never did)


def failover_summary(world: World, params: FailoverParams, out: GeoBuckets) -> FailoverSummary:
    """The numbers of ``simulate_failover(world, params)``'s result ``out``, stated plainly.

    >>> w = default_world(); p = FailoverParams(dc=1, t_fail=65, t_ttl=60)
    >>> s = failover_summary(w, p, simulate_failover(w, p))
    >>> s.t_detected, s.t_all_moved, round(s.failed_requests), round(s.dropped_requests)
    (25.0, 85.0, 178241, 608613)
    """
    d, dt = params.dc, params.t_step
    t = out.t
    before = out.load_rps[t < params.t_fail, d].mean() if np.any(t < params.t_fail) else 0.0
    after = t >= params.t_fail
    down_now = after & (t < params.t_recover)
    marked_down = np.flatnonzero(down_now & ~out.marked_up[:, d])
    t_det = float(t[marked_down[0]] - params.t_fail) if marked_down.size else math.nan
    load_d = out.load_rps[:, d]

    def first(mask) -> float:
        idx = np.flatnonzero(mask)
        return float(t[idx[0]] - params.t_fail) if idx.size else math.nan

    t_half = first(down_now & (load_d <= 0.5 * before + 1e-9))
    t_all = first(down_now & (load_d <= 1e-9))
    back = (t >= params.t_recover) & (load_d >= before - 1e-6)
    idx = np.flatnonzero(back)
    t_back = float(t[idx[0]] - params.t_recover) if idx.size and before > 0 else math.nan
    return FailoverSummary(
        t_detected=t_det,
        t_half_moved=t_half,
        t_all_moved=t_all,
        failed_requests=float(out.dead_rps.sum() * dt),
        dropped_requests=float(out.dropped_rps.sum() * dt),
        peak_load_rps={
            n: float(x) for n, x in zip(world.dc_names, out.load_rps.max(axis=0), strict=True)
        },
        t_back=t_back,
    )


# --------------------------------------------------------------------------------------------
# Individual resolvers with TTL caches (the reference for ``client_shares``)
# --------------------------------------------------------------------------------------------


DOMAIN = "www.example.com"
"""The name every client looks up (``example.com`` is reserved for examples, RFC 2606)."""


class GeoDNS:
    """A GeoDNS service built on ``scalelab.dns``: a zone whose answer depends on who asks.

    The zone ``example.com.`` holds one ``A`` record for ``DOMAIN`` per data centre (addresses
    from the documentation range 192.0.2.0/24, RFC 5737), each with TTL ``t_ttl``. Its answer
    policy (``scalelab.dns.Zone.with_policy``) reads the client's region from the query and keeps
    only the record of the DC that ``policy`` picks ("nearest": ``nearest_healthy``; "capacity":
    ``capacity_aware``) given ``marked_up``, the health checker's current view, which the caller
    updates as time passes. A root and a ``com.`` zone delegate to it, so a ``Resolver`` walks
    the real chain and caches every answer in its ``TTLCache``.

    >>> g = GeoDNS(default_world(), t_ttl=60)
    >>> r = g.resolver("europe")
    >>> g.dc_of(r.resolve(DOMAIN, t_now=0).addresses[0])
    1
    >>> g.marked_up = np.array([True, False, True])  # health checks mark dc-europe down
    >>> g.dc_of(r.resolve(DOMAIN, t_now=30).addresses[0])  # still cached: the dead DC
    1
    >>> g.dc_of(r.resolve(DOMAIN, t_now=60).addresses[0])  # TTL expired: asks again
    0
    """

    def __init__(self, world: World, t_ttl: float = 60.0, policy: str = "nearest"):
        from scalelab import dns

        check_number("t_ttl", t_ttl, low=0, high=86_400)
        check_choice("policy", policy, _POLICIES)
        self.world = world
        self.t_ttl = float(t_ttl)
        self.marked_up = np.ones(len(world.dcs), dtype=bool)
        self.addresses = [f"192.0.2.{10 + d}" for d in range(len(world.dcs))]
        self._dc = {a: d for d, a in enumerate(self.addresses)}
        self._region = {r: i for i, r in enumerate(world.regions)}
        self._route = _router(policy, world.demand, world.rtt, world.capacity)
        records = tuple(dns.Record(DOMAIN, "A", self.t_ttl, a) for a in self.addresses)
        ns = (dns.Record("example.com", "NS", 172_800, "ns1.example.com"),)
        self.zone = dns.Zone("example.com", ns + records, t_negative=5.0).with_policy(self.answer)
        root = dns.Zone(".", (dns.Record("com", "NS", 172_800, "a.gtld-servers.net"),))
        com = dns.Zone("com", ns)
        self.namespace = dns.Namespace({".": root, "com.": com, "example.com.": self.zone})

    def pick(self, region: str) -> int:
        """The DC (index) GeoDNS answers for clients in ``region`` right now (-1 if none)."""
        if region not in self._region:
            raise ValueError(f"client must be one of {list(self._region)}; got {region!r}")
        return int(self._route(np.asarray(self.marked_up, dtype=bool))[self._region[region]])

    def answer(self, query, records):
        """The answer policy: keep the record of the DC picked for ``query.client``'s region."""
        d = self.pick(query.client)
        return tuple(r for r in records if d >= 0 and r.value == self.addresses[d])

    def dc_of(self, address: str) -> int:
        """Which DC (index) an answered address belongs to."""
        return self._dc[address]

    def resolver(self, region: str):
        """A recursive resolver (``scalelab.dns.Resolver``) with its own cache, in ``region``."""
        from scalelab import dns

        check_choice("region", region, tuple(self._region))
        return dns.Resolver(self.namespace, client=region)


def simulate_resolvers(
    world: World,
    params: FailoverParams,
    rng: np.random.Generator,
    n_resolvers: int = 50,
) -> np.ndarray:
    """Traffic share per step, region and DC when each region's clients sit behind ``n_resolvers``
    recursive resolvers of ``scalelab.dns``, each with its own TTL cache (steps × regions × DCs).

    GeoDNS (``GeoDNS``) answers from the health checker's view at each step. Every resolver first
    looked the name up at a random moment in the TTL before the run; in the middle of each step
    each resolver's clients send their requests to the address it holds, and the resolver looks
    the name up again only when its cache says the entry has expired. The mean over many
    resolvers tends to ``simulate_failover(...).share`` (the moving average of ``client_shares``).

    >>> out = simulate_resolvers(default_world(), FailoverParams(t_end=120), np.random.default_rng(1), 20)
    >>> out.shape, float(out.sum(axis=2).min())
    ((120, 6, 3), 1.0)
    """
    check_rng(rng)
    check_int("n_resolvers", n_resolvers, low=1, high=10_000)
    t, up, offered = _failover_inputs(world, params)
    marked = health_marks(up, params.t_step, params.t_check, params.n_fail, params.n_ok)
    geodns = GeoDNS(world, params.t_ttl, params.policy)
    key = (DOMAIN + ".", "A")
    n_t, n_r, n_d = len(t), len(world.regions), len(world.dcs)
    counts = np.zeros((n_t, n_r, n_d))
    ttl = params.t_ttl
    resolvers, held, expiry = (
        [],
        np.full((n_r, n_resolvers), -1),
        np.full((n_r, n_resolvers), -np.inf),
    )
    geodns.marked_up = marked[0]
    for r, region in enumerate(world.regions):
        phases = rng.uniform(-ttl, 0.0, size=n_resolvers) if ttl > 0 else np.zeros(n_resolvers)
        row = []
        for k in range(n_resolvers):
            res = geodns.resolver(region)
            got = res.resolve(DOMAIN, t_now=float(phases[k]))
            held[r, k] = geodns.dc_of(got.addresses[0]) if got.addresses else -1
            expiry[r, k] = res.cache.expires(key) or -np.inf
            row.append(res)
        resolvers.append(row)
    for i in range(n_t):
        geodns.marked_up = marked[i]
        now = float(t[i] + params.t_step / 2)  # clients act in the middle of each step
        for r in range(n_r):
            for k in np.flatnonzero(expiry[r] <= now):
                res = resolvers[r][k]
                got = res.resolve(DOMAIN, t_now=now)
                held[r, k] = geodns.dc_of(got.addresses[0]) if got.addresses else -1
                exp = res.cache.expires(key)
                expiry[r, k] = exp if exp is not None else -np.inf
            row = held[r]
            counts[i, r] = np.bincount(row[row >= 0], minlength=n_d)
    return counts / n_resolvers


# --------------------------------------------------------------------------------------------
# Asynchronous cross-region sync
# --------------------------------------------------------------------------------------------


def apply_times(t_commit, t_lag) -> np.ndarray:
    """When (s) each write is applied in the other region, shipping in commit order.

    Write ``i`` commits at ``t_commit[i]`` (sorted) and travels for ``t_lag[i]`` seconds; a write
    is applied only after every earlier one (a log is replayed in order), so its apply time is
    the running maximum of commit + lag.

    >>> apply_times([0.0, 1.0, 2.0], [5.0, 1.0, 1.0]).tolist()
    [5.0, 5.0, 5.0]
    """
    commit = np.asarray(t_commit, dtype=float)
    lag = np.asarray(t_lag, dtype=float)
    if commit.shape != lag.shape or commit.ndim != 1:
        raise ValueError("t_commit and t_lag must be 1-d arrays of the same length")
    if np.any(np.diff(commit) < 0):
        raise ValueError("t_commit must be sorted (writes in commit order)")
    if np.any(lag < 0) or not np.all(np.isfinite(lag)):
        raise ValueError("t_lag must hold finite delays >= 0 s")
    return np.maximum.accumulate(commit + lag) if commit.size else commit.copy()


def unsynced_writes(t_commit, t_lag, t_fail: float) -> int:
    """Writes committed by ``t_fail`` but not yet applied in the other region: lost at failover.

    >>> unsynced_writes([0.0, 1.0, 2.0, 9.0], [5.0, 1.0, 1.0, 1.0], 4.0)
    3
    """
    check_number("t_fail", t_fail, low=0)
    commit = np.asarray(t_commit, dtype=float)
    applied = apply_times(commit, t_lag)
    return int(np.count_nonzero((commit <= t_fail) & (applied > t_fail)))


@dataclass(frozen=True)
class SyncParams:
    """Writes in one region shipped asynchronously to another, then the home region fails.

    ``rate_writes``: writes/s at the home DC (Poisson); ``t_rtt_ms``: RTT between the regions
    (ms), half of which is the one-way delay; ``t_batch``: the home DC ships its log every
    ``t_batch`` seconds; ``t_jitter``: mean extra delay of a batch (s, exponential: queueing,
    retransmits, a busy replica); ``t_fail``: when the home DC fails (s); ``n_keys``: distinct
    records the writes update, each write picks one uniformly.
    """

    rate_writes: float = 200.0
    t_rtt_ms: float = 90.0
    t_batch: float = 0.5
    t_jitter: float = 0.2
    t_fail: float = 60.0
    n_keys: int = 20_000

    def validate(self) -> None:
        check_number("rate_writes", self.rate_writes, low=0, high=1e5)
        check_number("t_rtt_ms", self.t_rtt_ms, low=0, high=10_000)
        check_number("t_batch", self.t_batch, low=0.001, high=3600)
        check_number("t_jitter", self.t_jitter, low=0, high=3600)
        check_number("t_fail", self.t_fail, low=0, high=86_400)
        check_int("n_keys", self.n_keys, low=1, high=10_000_000)
        if self.rate_writes * self.t_fail > 5_000_000:
            raise ValueError("rate_writes * t_fail must be <= 5,000,000 writes (keep runs small)")

    @property
    def t_lag_mean(self) -> float:
        """Mean time (s) a write waits before the other region applies it (ignoring reordering):
        half a batch interval + one-way delay + mean jitter."""
        return self.t_batch / 2 + self.t_rtt_ms / 2000.0 + self.t_jitter


@dataclass(frozen=True)
class SyncResult:
    """What the other region had when the home DC failed.

    ``n_committed``: writes committed at home by ``t_fail``; ``n_applied``: of those, applied in
    the other region (its log position); ``n_lost`` = ``n_committed - n_applied``;
    ``expected_lost``: Little's law, write rate × mean lag (``SyncParams.t_lag_mean``);
    ``p_stale_read``: share of the written keys whose copy in the other region is an older
    version; ``p_missing_read``: share whose copy does not exist there at all; ``t_commit``,
    ``t_applied``: per write (s).
    """

    n_committed: int
    n_applied: int
    n_lost: int
    expected_lost: float
    p_stale_read: float
    p_missing_read: float
    t_commit: np.ndarray = field(repr=False)
    t_applied: np.ndarray = field(repr=False)


def simulate_sync(params: SyncParams, rng: np.random.Generator) -> SyncResult:
    """Poisson writes, batched in-order asynchronous shipping, and the home DC failing at ``t_fail``.

    Reads after the failover go to the other region; a read of a key whose latest write was not
    applied there sees an older version (stale) or nothing (missing).

    >>> r = simulate_sync(SyncParams(), np.random.default_rng(7))
    >>> r.n_lost == r.n_committed - r.n_applied, r.n_lost > 0
    (True, True)
    """
    params.validate()
    check_rng(rng)
    n = int(rng.poisson(params.rate_writes * params.t_fail))
    commit = np.sort(rng.uniform(0.0, params.t_fail, size=n))
    phase = rng.uniform(0.0, params.t_batch)  # shipping runs on its own clock
    batch = np.floor((commit + phase) / params.t_batch).astype(int)  # the batch of each write
    n_batches = int(batch.max()) + 1 if n else 0
    jitter = (
        rng.exponential(params.t_jitter, size=n_batches)
        if params.t_jitter > 0
        else np.zeros(n_batches)
    )
    sent = (batch + 1) * params.t_batch - phase
    lag = sent - commit + params.t_rtt_ms / 2000.0 + (jitter[batch] if n else 0.0)
    applied = apply_times(commit, lag)
    keys = rng.integers(0, params.n_keys, size=n)
    done = applied <= params.t_fail
    n_applied = int(np.count_nonzero(done))
    # latest version of each key at home, and the latest applied in the other region
    last_home = np.full(params.n_keys, -1)
    last_home[keys] = np.arange(n)  # later writes overwrite earlier ones
    last_there = np.full(params.n_keys, -1)
    idx_done = np.flatnonzero(done)
    last_there[keys[idx_done]] = idx_done
    written = last_home >= 0
    n_written = int(np.count_nonzero(written))
    stale = written & (last_there >= 0) & (last_there < last_home)
    missing = written & (last_there < 0)
    return SyncResult(
        n_committed=n,
        n_applied=n_applied,
        n_lost=n - n_applied,
        expected_lost=float(params.rate_writes * params.t_lag_mean),
        p_stale_read=float(np.count_nonzero(stale) / n_written) if n_written else 0.0,
        p_missing_read=float(np.count_nonzero(missing) / n_written) if n_written else 0.0,
        t_commit=commit,
        t_applied=applied,
    )
