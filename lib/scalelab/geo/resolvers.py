"""Individual resolvers with TTL caches: the reference for :func:`~scalelab.geo.client_shares`.

:class:`GeoDNS` is a :mod:`scalelab.dns` zone whose answer policy picks the DC for the client's
region, and :func:`simulate_resolvers` runs many resolvers per region, each a
``scalelab.dns.Resolver`` with its own ``TTLCache``, through the failover scenario: the share of
traffic each DC receives, measured resolver by resolver, matches the moving-average formula of
:mod:`scalelab.geo.health` in expectation. Times in seconds.
"""

from __future__ import annotations

import numpy as np

from scalelab.geo.failover import _POLICIES, FailoverParams, _failover_inputs, _router
from scalelab.geo.health import health_marks
from scalelab.geo.world import World
from scalelab.validate import check_choice, check_int, check_number, check_rng

__all__ = [
    "DOMAIN",
    "GeoDNS",
    "simulate_resolvers",
]


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

    >>> from scalelab.geo import default_world
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
    *,
    n_resolvers: int = 50,
    rng: np.random.Generator,
) -> np.ndarray:
    """Traffic share per step, region and DC when each region's clients sit behind ``n_resolvers``
    recursive resolvers of ``scalelab.dns``, each with its own TTL cache (steps × regions × DCs).

    GeoDNS (``GeoDNS``) answers from the health checker's view at each step. Every resolver first
    looked the name up at a random moment in the TTL before the run; in the middle of each step
    each resolver's clients send their requests to the address it holds, and the resolver looks
    the name up again only when its cache says the entry has expired. The mean over many
    resolvers tends to ``simulate_failover(...).share`` (the moving average of ``client_shares``).

    >>> from scalelab.geo import default_world
    >>> rng = np.random.default_rng(1)
    >>> out = simulate_resolvers(default_world(), FailoverParams(t_end=120), n_resolvers=20, rng=rng)
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
