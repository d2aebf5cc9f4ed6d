"""The CDN's network: user regions, round trips to edges and to the origin, and prices.

Users live in the regions of :data:`scalelab.geo.REGIONS`; each region has a CDN edge in its own
metro area, :data:`T_EDGE` away (the access network), and the origin stands in
:data:`ORIGIN_REGION`. :func:`rtt_to_origin` gives the round trip from a region to the origin
(access network plus backbone, from :mod:`scalelab.geo`) and :func:`assign_regions` draws the
region of each request in proportion to the users. The prices (:data:`PRICE_CDN_GB`,
:data:`PRICE_ORIGIN_GB`, :data:`PRICE_SHIELD_10K`, :data:`PRICE_SECOND_GB`,
:data:`SECOND_COMMIT_HOUR`) are list prices of the order of 2024's, each with its source. Times
in seconds, prices in dollars.
"""

from __future__ import annotations

import numpy as np

from scalelab.geo import BACKBONE_RTT, DEFAULT_USERS_M, REGIONS, T_ACCESS
from scalelab.validate import check_array, check_choice, check_int, check_rng

__all__ = [
    "REGIONS",
    "ORIGIN_REGION",
    "T_EDGE",
    "T_LOCAL",
    "T_ORIGIN",
    "T_TIMEOUT",
    "PRICE_CDN_GB",
    "PRICE_ORIGIN_GB",
    "PRICE_SHIELD_10K",
    "PRICE_SECOND_GB",
    "SECOND_COMMIT_HOUR",
    "rtt_to_origin",
    "assign_regions",
]


ORIGIN_REGION = "na-east"
"""Where the origin (and the origin shield, which CDNs place next to it) stands."""

T_EDGE = T_ACCESS
"""Round trip (s) from a user to a CDN edge in the user's own metro area: the access network
(20 ms; :data:`scalelab.geo.T_ACCESS`). Large CDNs place edges within a few tens of
milliseconds of most users (Nygren, Sitaraman and Sun, 'The Akamai network', 2010)."""

T_LOCAL = 0.001
"""A response from the user's own cache (browser or app storage), seconds: no network at all."""

T_ORIGIN = 0.030
"""Time (s) the idle origin takes to produce a response (read a file, render a page), before
queueing: illustrative, of the order of an application server's work per request."""

T_TIMEOUT = 10.0
"""What a failed request costs the user (s): a client that gives up after 10 s (a common HTTP
client timeout; browsers wait longer)."""

PRICE_CDN_GB = 0.085
"""CDN data transfer out, $/GB (Amazon CloudFront, first 10 TB/month, North America and Europe;
https://aws.amazon.com/cloudfront/pricing/, 2024)."""

PRICE_ORIGIN_GB = 0.09
"""Origin data transfer out to the internet or a CDN, $/GB (Amazon EC2, first 10 TB/month;
https://aws.amazon.com/ec2/pricing/on-demand/, 2024)."""

PRICE_SHIELD_10K = 0.0075
"""Origin-shield request fee, $ per 10,000 requests that reach the shield (CloudFront Origin
Shield, North America, 2024)."""

PRICE_SECOND_GB = 0.10
"""A second CDN's transfer price, $/GB: illustrative (a smaller contract pays more per GB)."""

SECOND_COMMIT_HOUR = 6.0
"""A second CDN's minimum commitment, $ per hour (about $4,400 a month): illustrative; CDN
contracts commonly carry a monthly minimum whether or not traffic flows."""

_REGION_INDEX = {r: i for i, r in enumerate(REGIONS)}
_ORIGIN = _REGION_INDEX[ORIGIN_REGION]
_GB = 1e-6  # kilobytes -> gigabytes


def rtt_to_origin(region: str) -> float:
    """Round trip (s) from a user in ``region`` to the origin: access network plus backbone.

    >>> rtt_to_origin("na-east"), rtt_to_origin("asia")
    (0.02, 0.17)
    """
    check_choice("region", region, REGIONS)
    return round(T_EDGE + float(BACKBONE_RTT[_REGION_INDEX[region], _ORIGIN]), 6)


def assign_regions(n_requests: int, *, users=None, rng: np.random.Generator) -> np.ndarray:
    """The user region (index into :data:`REGIONS`) of each of ``n_requests`` requests, drawn
    independently in proportion to ``users`` (default :data:`scalelab.geo.DEFAULT_USERS_M`).

    >>> regions = assign_regions(10_000, rng=np.random.default_rng(0))
    >>> int(regions.min()) >= 0 and int(regions.max()) < len(REGIONS)
    True
    """
    n = check_int("n_requests", n_requests, low=0, high=20_000_000)
    check_rng(rng)
    weights = np.asarray(
        [DEFAULT_USERS_M[r] for r in REGIONS] if users is None else users, dtype=float
    )
    check_array("users", weights, low=0, unit="relative users")
    if weights.shape != (len(REGIONS),):
        raise ValueError(
            f"users must give a number >= 0 for each of the {len(REGIONS)} regions; "
            f"got shape {weights.shape}"
        )
    if weights.sum() <= 0:
        raise ValueError("users must not all be 0")
    return rng.choice(len(REGIONS), size=n, p=weights / weights.sum())
