"""The world the chapter's product lives in: regions, data centres and round-trip times.

**Regions** stand for where users are; each has a site (latitude/longitude of a typical cloud
region, :data:`SITES`), and :data:`BACKBONE_RTT` gives measured round-trip times between the
sites (real-world figures with their sources). A user reaches a DC in ``access RTT + backbone
RTT`` (:func:`rtt_matrix`, with :data:`T_ACCESS` for the access network); within a region
everyone is at the same distance. :func:`great_circle_km` and :func:`rtt_lower_bound` give the
speed-of-light bound the measured figures exceed. :func:`make_world` places data centres
(:class:`DataCenter`) in some regions and returns a :class:`World` (their RTTs, capacities and
each region's demand from :data:`DEFAULT_USERS_M`); :func:`default_world` is the chapter's
three-DC world. Round trips in seconds (the sources publish milliseconds: the constants keep
their figures, divided by 1000), rates in requests/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scalelab.estimate import average_rate
from scalelab.validate import check_choice, check_int, check_number

__all__ = [
    "REGIONS",
    "SITES",
    "BACKBONE_RTT",
    "T_ACCESS",
    "FIBRE_KM_PER_S",
    "DEFAULT_USERS_M",
    "DataCenter",
    "World",
    "make_world",
    "default_world",
    "great_circle_km",
    "rtt_lower_bound",
    "rtt_matrix",
]


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
"""Where each region's users are taken to be: the site of a typical cloud region in it, with its
latitude and longitude in degrees."""

_BACKBONE_RTT_MS = np.array(
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
BACKBONE_RTT = _BACKBONE_RTT_MS / 1000
"""Round-trip times (s) between the sites of ``REGIONS``, rounded to 5 ms (the table above, in
milliseconds as published, divided by 1000).

Medians of the inter-region pings published by CloudPing (AWS regions us-east-1, us-west-2,
sa-east-1, eu-central-1, ap-northeast-1, ap-southeast-2; https://www.cloudping.co/grid, 2024)
and WonderNetwork's global ping statistics (https://wondernetwork.com/pings, 2024). They vary by
route and by day; the order of magnitude is what matters. Each is 1.1 to 2.5 times the
speed-of-light-in-fibre bound (``rtt_lower_bound``): real paths are longer than great
circles (Bozkurt et al., "Why is the Internet so slow?!", PAM 2017, measure this inflation).
"""

T_ACCESS = 20.0 / 1000
"""Round trip (s) from a user to a data centre in the user's own region: the access network
("last mile") plus metro transit. Fixed broadband measures 10-30 ms to a nearby server (FCC,
Measuring Broadband America, 2023); mobile networks more."""

FIBRE_KM_PER_S = 200_000.0
"""Light in optical fibre covers about 200,000 km per second, 200 km per millisecond (refractive
index about 1.5)."""

DEFAULT_USERS_M: dict[str, float] = {
    "na-east": 12.0,
    "na-west": 8.0,
    "s-america": 6.0,
    "europe": 14.0,
    "asia": 16.0,
    "oceania": 3.0,
}
"""Daily users (millions) of the fictional product the chapter follows."""


@dataclass(frozen=True)
class DataCenter:
    """A data centre: its name, the region it stands in, and ``rate_capacity``, what it can serve
    (requests/s)."""

    name: str
    region: str
    rate_capacity: float


@dataclass(frozen=True)
class World:
    """User regions with their offered load, the data centres, and the RTT between them.

    ``rate_demand[r]`` is the average request rate (requests/s) of region ``r``'s users;
    ``t_rtt[r][d]`` the round trip (s) from region ``r`` to data centre ``d``.
    Use ``make_world`` to build one; array views are ``demand``, ``rtt`` and ``capacity``.
    """

    regions: tuple[str, ...]
    rate_demand: tuple[float, ...]
    dcs: tuple[DataCenter, ...]
    t_rtt: tuple[tuple[float, ...], ...]

    @property
    def demand(self) -> np.ndarray:
        return np.asarray(self.rate_demand, dtype=float)

    @property
    def rtt(self) -> np.ndarray:
        return np.asarray(self.t_rtt, dtype=float)

    @property
    def capacity(self) -> np.ndarray:
        return np.array([dc.rate_capacity for dc in self.dcs], dtype=float)

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


def rtt_lower_bound(distance_km: float) -> float:
    """The fastest possible round trip (s) over ``distance_km`` of straight fibre:
    2d / 200,000 km/s.

    >>> round(rtt_lower_bound(6531) * 1000, 2)  # in ms
    65.31
    """
    check_number("distance_km", distance_km, low=0)
    return 2 * distance_km / FIBRE_KM_PER_S


def rtt_matrix(user_regions=REGIONS, dc_regions=REGIONS, t_access: float = T_ACCESS) -> np.ndarray:
    """Round trip (s) from each user region to each DC region: access RTT + backbone RTT.

    >>> (rtt_matrix(["europe", "asia"], ["na-east", "europe"]) * 1000).round(1).tolist()  # ms
    [[110.0, 20.0], [170.0, 245.0]]
    """
    check_number("t_access", t_access, low=0, high=1)
    index = {r: i for i, r in enumerate(REGIONS)}
    for name, regs in (("user_regions", user_regions), ("dc_regions", dc_regions)):
        for r in regs:
            check_choice(name, r, REGIONS)
    rows = [index[r] for r in user_regions]
    cols = [index[r] for r in dc_regions]
    return t_access + BACKBONE_RTT[np.ix_(rows, cols)]


def make_world(
    users_m: dict[str, float] | None = None,
    dc_regions=("na-east", "europe", "asia"),
    rate_capacity=8_000.0,
    requests_per_user: float = 20.0,
    t_access: float = T_ACCESS,
) -> World:
    """A world of the six ``REGIONS`` with ``users_m`` daily users (millions) and DCs in ``dc_regions``.

    Each region's demand is its average request rate (requests/s): daily users times
    ``requests_per_user`` over 86,400 s. ``rate_capacity`` is one number for every DC or one per
    DC; ``t_access``: the access network's round trip (s).

    >>> w = make_world({"europe": 8.64, "asia": 0.0}, dc_regions=["europe"], requests_per_user=10)
    >>> w.regions, w.rate_demand, w.dcs[0].name
    (('europe', 'asia'), (1000.0, 0.0), 'dc-europe')
    """
    users_m = dict(DEFAULT_USERS_M if users_m is None else users_m)
    if not users_m:
        raise ValueError("users_m must name at least one region; got {}")
    dc_regions = list(dc_regions)
    check_int("number of dc_regions", len(dc_regions), low=1, high=len(REGIONS))
    if len(set(dc_regions)) != len(dc_regions):
        raise ValueError(f"dc_regions must not repeat a region; got {dc_regions}")
    caps = np.broadcast_to(np.asarray(rate_capacity, dtype=float), (len(dc_regions),))
    for r, users in users_m.items():
        check_choice("users_m region", r, REGIONS)
        check_number(f"users_m[{r!r}]", users, low=0, high=10_000)
    check_number("requests_per_user", requests_per_user, low=0, high=100_000)
    regions = tuple(users_m)
    demand = tuple(float(average_rate(users_m[r] * 1e6, requests_per_user)) for r in regions)
    dcs = []
    for r, cap in zip(dc_regions, caps, strict=True):
        check_number(f"rate_capacity of dc-{r}", float(cap), low=0)
        dcs.append(DataCenter(f"dc-{r}", r, float(cap)))
    rtt = rtt_matrix(regions, dc_regions, t_access)
    return World(regions, demand, tuple(dcs), tuple(tuple(float(x) for x in row) for row in rtt))


def default_world() -> World:
    """The chapter's product: ``DEFAULT_USERS_M``, 20 requests/user/day, 3 DCs of 8,000 requests/s.

    >>> round(sum(default_world().rate_demand))
    13657
    """
    return make_world()
