"""Resolution: a recursive resolver walks root -> TLD -> authoritative, with a TTL cache.

A :class:`Namespace` holds the zones of a toy Internet and the round trip (seconds) to each
zone's servers (:data:`T_ROOT`, :data:`T_TLD`, :data:`T_AUTH` by default, or a function of the
zone and the client). ``Resolver(namespace).resolve(qname)`` asks root -> TLD -> authoritative,
follows CNAMEs, caches answers, delegations and negative answers in a :class:`TTLCache`, and
returns a :class:`Resolution` with one :class:`Hop` per question asked and its latency: hop 0 is
the stub leg between browser and resolver (:data:`T_CLIENT`), ``t_total`` the sum.
:data:`EXAMPLE_ZONES` and :func:`example_namespace` are the small Internet the notebook and the
widgets use. Simplifications: one server (or one anycast set) per zone, glue not followed, no
DNSSEC, no EDNS, no packet loss or retries.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scalelab.dns.zones import (
    RECORD_TYPES,
    Record,
    Zone,
    _ancestors,
    _is_under,
    normalize_name,
    parse_zone,
)
from scalelab.validate import (
    check_choice,
    check_int,
    check_number,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "EXAMPLE_ZONES",
    "example_namespace",
    "T_CLIENT",
    "T_ROOT",
    "T_TLD",
    "T_AUTH",
    "Namespace",
    "Hop",
    "Resolution",
    "TTLCache",
    "Resolver",
]


# Illustrative round-trip times (seconds), order-of-magnitude assumptions, not measurements.
# A resolver near the user answers in a few to a few tens of ms; root and TLD servers are anycast
# with sites in most countries; a site's authoritative servers may be far away. Sources for the
# orders of magnitude: root-servers.org (2024, >1,700 anycast instances); Jung, Sit, Balakrishnan
# and Morris, "DNS performance and the effectiveness of caching", IEEE/ACM ToN 10(5), 2002
# (median lookups of tens of ms, a long tail to seconds).
T_CLIENT = 0.010
"""Browser (stub) <-> recursive resolver round trip, seconds (assumed, 2026)."""
T_ROOT = 0.020
"""Resolver <-> a root server round trip, seconds (assumed; anycast keeps it short)."""
T_TLD = 0.030
"""Resolver <-> a TLD server (``com.``) round trip, seconds (assumed)."""
T_AUTH = 0.050
"""Resolver <-> a site's authoritative server round trip, seconds (assumed)."""


def _default_rtt(origin: str) -> float:
    depth = 0 if origin == "." else origin.count(".")
    return T_ROOT if depth == 0 else T_TLD if depth == 1 else T_AUTH


@dataclass(frozen=True)
class Namespace:
    """The zones of a small Internet, keyed by origin, and the round trip to each zone's servers.

    ``t_rtt``: a mapping origin -> seconds, or a callable ``(origin, client) -> seconds``; zones
    it does not name get ``t_rtt_default`` (seconds) or, if that is None, ``T_ROOT`` for the
    root, ``T_TLD`` for a TLD and ``T_AUTH`` below.
    """

    zones: Mapping[str, Zone]
    t_rtt: Mapping[str, float] | Callable[[str, Any], float] = field(default_factory=dict)
    t_rtt_default: float | None = param(
        None, low=0, doc="round trip to zones t_rtt does not name (None: by level)", unit="s"
    )

    def __post_init__(self):
        validate_fields(self)
        zones = {}
        for key, zone in dict(self.zones).items():
            if not isinstance(zone, Zone):
                raise ValueError(f"zones must map origins to Zone objects; got {zone!r}")
            origin = normalize_name(key, "zone origin")
            if origin != zone.origin:
                raise ValueError(f"zone keyed {origin} has origin {zone.origin}")
            zones[origin] = zone
        if "." not in zones:
            raise ValueError("zones must include the root zone '.'")
        rtt = self.t_rtt
        if not callable(rtt):
            rtt = {
                normalize_name(k, "t_rtt key"): check_number(f"t_rtt[{k!r}]", v, low=0)
                for k, v in dict(rtt).items()
            }
        object.__setattr__(self, "zones", zones)
        object.__setattr__(self, "t_rtt", rtt)

    @classmethod
    def from_text(cls, zone_texts: Mapping[str, str], **kwargs) -> Namespace:
        """Parse ``{origin: zone-file text}`` into a namespace (``kwargs`` as for the class)."""
        return cls({o: parse_zone(t, o) for o, t in zone_texts.items()}, **kwargs)

    def rtt(self, origin: str, client: Any = None) -> float:
        """Round trip (seconds) from the resolver to the servers of zone ``origin``."""
        if callable(self.t_rtt):
            return float(check_number(f"t_rtt({origin!r})", self.t_rtt(origin, client), low=0))
        if origin in self.t_rtt:
            return float(self.t_rtt[origin])
        if self.t_rtt_default is not None:
            return float(self.t_rtt_default)
        return _default_rtt(origin)

    def with_zone(self, zone: Zone) -> Namespace:
        """A copy with ``zone`` added or replaced (e.g. one carrying an answer policy)."""
        return dataclasses.replace(self, zones={**self.zones, zone.origin: zone})

    def delegation_chain(self, qname: str) -> list[str]:
        """The zones a resolver with an empty cache asks for ``qname``, root first.

        >>> ns = Namespace.from_text({".": "com. NS a.test.", "com.": "x A 192.0.2.1"})
        >>> ns.delegation_chain("x.com")
        ['.', 'com.']
        """
        qname = normalize_name(qname, "qname")
        chain, zone = ["."], self.zones["."]
        while True:
            cut = next((c for c in zone.delegations if _is_under(qname, c)), None)
            if cut is None or cut not in self.zones:
                return chain
            chain.append(cut)
            zone = self.zones[cut]


@dataclass(frozen=True)
class Hop:
    """One question in a resolution trace and how long its round trip took.

    ``server`` is who was asked (``"resolver"`` for the stub leg, else the zone's origin),
    ``kind`` what came back (``"cache-hit"``/``"cache-miss"`` for the stub leg, else a
    ``ZoneAnswer`` kind or ``"servfail"``), ``t_latency`` the round trip in seconds.
    """

    server: str
    zone: str | None
    qname: str
    qtype: str
    kind: str
    records: tuple[Record, ...]
    t_latency: float


@dataclass(frozen=True)
class Resolution:
    """The outcome of one lookup: ``rcode``, the ``answers`` (CNAME chain + final records), the
    trace ``hops`` and ``t_total`` (seconds, the sum of the hops' latencies)."""

    qname: str
    qtype: str
    rcode: str
    answers: tuple[Record, ...]
    hops: tuple[Hop, ...]
    t_total: float

    @property
    def addresses(self) -> tuple[str, ...]:
        """The addresses (or names) finally answered, in order."""
        return tuple(r.value for r in self.answers if r.rtype == self.qtype)

    @property
    def from_cache(self) -> bool:
        """True if no authoritative server was asked."""
        return len(self.hops) <= 1

    @property
    def n_upstream(self) -> int:
        """How many questions went to authoritative servers (root, TLD, ...)."""
        return max(len(self.hops) - 1, 0)


class TTLCache:
    """A resolver cache that honours TTLs: an entry put at ``t_now`` expires at ``t_now + TTL``.

    Keys are ``(name, type)`` pairs (any hashable works). An entry is served while
    ``t_now < expires`` and never at or after it; served records carry the remaining TTL (whole
    seconds, rounded up). A TTL of 0 is never cached. Counters ``n_hits``/``n_misses`` count
    ``get`` calls.

    >>> c = TTLCache()
    >>> c.put(("www.example.com.", "A"), (Record("www.example.com", "A", 60, "192.0.2.1"),), 0.0)
    >>> c.get(("www.example.com.", "A"), 59.5)[0].t_ttl, c.get(("www.example.com.", "A"), 60.0)
    (1, None)
    """

    def __init__(self):
        self._data: dict[Any, tuple[float, tuple[Record, ...], float]] = {}
        self.n_hits = 0
        self.n_misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def put(self, key, records: tuple[Record, ...], t_now: float, t_ttl: float | None = None):
        """Store ``records`` at time ``t_now`` (s) for ``t_ttl`` s (default: their smallest TTL)."""
        check_number("t_now", t_now)
        records = tuple(records)
        if t_ttl is None:
            if not records:
                raise ValueError("t_ttl is needed to cache an empty (negative) answer")
            t_ttl = min(r.t_ttl for r in records)
        check_number("t_ttl", t_ttl, low=0)
        if t_ttl > 0:
            self._data[key] = (t_now + t_ttl, records, t_now)

    def peek(self, key, t_now: float) -> tuple[Record, ...] | None:
        """Like ``get`` but without counting a hit or a miss (for the resolver's own look-ups)."""
        check_number("t_now", t_now)
        entry = self._data.get(key)
        if entry is None:
            return None
        expires, records, _ = entry
        if t_now >= expires:
            del self._data[key]
            return None
        left = math.ceil(expires - t_now)
        return tuple(dataclasses.replace(r, t_ttl=min(r.t_ttl, left)) for r in records)

    def get(self, key, t_now: float) -> tuple[Record, ...] | None:
        """The records under ``key`` if still fresh at ``t_now`` (s), else None."""
        found = self.peek(key, t_now)
        if found is None:
            self.n_misses += 1
        else:
            self.n_hits += 1
        return found

    def expires(self, key) -> float | None:
        """When the entry under ``key`` expires (s), or None if absent."""
        entry = self._data.get(key)
        return None if entry is None else entry[0]


class Resolver:
    """A recursive resolver over a ``Namespace`` with a ``TTLCache``.

    ``t_client``: the stub <-> resolver round trip (s), paid by every lookup, hit or miss.
    ``client``: who this resolver is (its location), passed to answer policies and to a callable
    ``t_rtt``. ``max_chain``: the longest CNAME chain followed.
    """

    def __init__(
        self,
        namespace: Namespace,
        cache: TTLCache | None = None,
        *,
        t_client: float = T_CLIENT,
        client: Any = None,
        max_chain: int = 8,
    ):
        check_type("namespace", namespace, Namespace)
        self.namespace = namespace
        self.cache = TTLCache() if cache is None else cache
        self.t_client = float(check_number("t_client", t_client, low=0))
        self.client = client
        self.max_chain = check_int("max_chain", max_chain, low=1)
        self.n_hits = 0  # lookups answered from the cache alone
        self.n_misses = 0  # lookups that asked at least one authoritative server
        self._negative: dict[Any, str] = {}  # rcode of each cached negative answer

    def _start_zone(self, name: str, t_now: float) -> str:
        """The deepest zone known (cached delegation) that holds ``name``; the root if none."""
        for anc in _ancestors(name)[:-1]:
            if anc in self.namespace.zones and self.cache.peek((anc, "NS"), t_now) is not None:
                return anc
        return "."

    def resolve(
        self, qname: str, qtype: str = "A", t_now: float = 0.0, client: Any = None
    ) -> Resolution:
        """Look up ``qname``/``qtype`` at time ``t_now`` (s); return a ``Resolution`` with a trace.

        >>> ns = Namespace.from_text({".": "com. NS a.test.", "com.": "x 60 A 192.0.2.1"})
        >>> r = Resolver(ns)
        >>> [h.kind for h in r.resolve("x.com", t_now=0).hops]
        ['cache-miss', 'referral', 'answer']
        >>> [h.kind for h in r.resolve("x.com", t_now=59).hops]
        ['cache-hit']
        """
        qname = normalize_name(qname, "qname")
        qtype = check_choice(
            "qtype", qtype.upper() if isinstance(qtype, str) else qtype, RECORD_TYPES
        )
        check_number("t_now", t_now)
        client = self.client if client is None else client
        zones = self.namespace.zones
        hops: list[Hop] = []
        answers: list[Record] = []
        chain = [qname]
        name, rcode, hit = qname, "NOERROR", True
        while True:
            cached = self.cache.peek((name, qtype), t_now)
            if cached is None and qtype != "CNAME":
                alias = self.cache.peek((name, "CNAME"), t_now)
                if alias is not None:
                    answers.extend(alias)
                    name = self._follow(alias[0].value, chain)
                    continue
            if cached is not None:
                answers.extend(cached)
                if not cached:
                    rcode = self._negative.get((name, qtype), "NXDOMAIN")
                break
            hit = False
            zone_origin = self._start_zone(name, t_now)
            asked: set[str] = set()
            outcome = None
            while True:
                if zone_origin in asked or zone_origin not in zones:
                    hops.append(Hop(zone_origin, zone_origin, name, qtype, "servfail", (), 0.0))
                    outcome = "SERVFAIL"
                    break
                asked.add(zone_origin)
                ans = zones[zone_origin].answer(name, qtype, client=client)
                hops.append(
                    Hop(
                        zone_origin,
                        zone_origin,
                        name,
                        qtype,
                        ans.kind,
                        ans.records,
                        self.namespace.rtt(zone_origin, client),
                    )
                )
                if ans.kind == "referral":
                    self.cache.put((ans.next_zone, "NS"), ans.records, t_now)
                    zone_origin = ans.next_zone
                    continue
                if ans.kind == "answer":
                    self.cache.put((name, qtype), ans.records, t_now)
                    answers.extend(ans.records)
                    outcome = "DONE"
                elif ans.kind == "cname":
                    self.cache.put((name, "CNAME"), ans.records, t_now)
                    answers.extend(ans.records)
                    outcome = ans.records[0].value
                else:
                    neg = "NXDOMAIN" if ans.kind == "nxdomain" else "NOERROR"
                    self._negative[(name, qtype)] = neg
                    self.cache.put((name, qtype), (), t_now, t_ttl=ans.t_negative)
                    rcode = neg
                    outcome = "DONE"
                break
            if outcome == "SERVFAIL":
                rcode = "SERVFAIL"
                break
            if outcome == "DONE":
                break
            name = self._follow(outcome, chain)
        stub = Hop(
            "resolver",
            None,
            qname,
            qtype,
            "cache-hit" if hit else "cache-miss",
            tuple(answers),
            self.t_client,
        )
        hops.insert(0, stub)
        if hit:
            self.n_hits += 1
        else:
            self.n_misses += 1
        total = float(sum(h.t_latency for h in hops))
        return Resolution(qname, qtype, rcode, tuple(answers), tuple(hops), total)

    def _follow(self, target: str, chain: list[str]) -> str:
        if target in chain:
            loop = " -> ".join([*chain[chain.index(target) :], target])
            raise ValueError(f"CNAME loop: {loop}")
        if len(chain) > self.max_chain:
            raise ValueError(f"CNAME chain longer than max_chain={self.max_chain}: {chain}")
        chain.append(target)
        return target


EXAMPLE_ZONES = {
    ".": """$TTL 172800
com.   NS  a.gtld-servers.test.
org.   NS  a0.org-servers.test.
""",
    "com.": """$TTL 172800
example  NS  ns1.dnshost.test.
cdnhost  NS  ns1.cdnhost.com.
""",
    "example.com.": """$TTL 300
@       SOA   ns1.dnshost.test. hostmaster 2026010101 7200 900 1209600 60
@       NS    ns1.dnshost.test.
@       A     192.0.2.10
www     A     192.0.2.10
www     AAAA  2001:db8::10
api     CNAME www
static  CNAME shop-assets.cdnhost.com.
""",
    "cdnhost.com.": """$TTL 60
shop-assets  A  203.0.113.7
""",
    "org.": """$TTL 172800
""",
}
"""A small Internet for examples: root, ``com.``, ``org.``, ``example.com.`` (hosted by a
third-party DNS provider) and a CDN's zone. Addresses come from the documentation ranges
(RFC 5737, RFC 3849)."""


def example_namespace(**kwargs) -> Namespace:
    """``Namespace.from_text(EXAMPLE_ZONES, **kwargs)``.

    >>> example_namespace().delegation_chain("www.example.com")
    ['.', 'com.', 'example.com.']
    """
    return Namespace.from_text(EXAMPLE_ZONES, **kwargs)
