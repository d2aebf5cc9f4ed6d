"""DNS: zones, a recursive resolver with a trace, a TTL cache, and how caching pays off.

The real-world picture. A person types ``www.example.com``; the browser cannot send a packet to
a name, only to an IP address. It asks a *recursive resolver* (run by the ISP, the company, or a
public service). If the resolver has a fresh answer in its cache it replies at once. Otherwise it
walks the delegation chain: a *root* server refers it to the servers of ``com.``, those refer it
to the *authoritative* servers of ``example.com.`` (often a paid third-party DNS host), and those
give the answer. Every record carries a *time to live* (TTL, seconds): how long resolvers may
keep it. Long TTLs mean fast lookups and little load on the authoritative servers; short TTLs mean
changes (a new server, a failover) reach users quickly.

The public API, in the order a learner meets it:

**Records and zones**

- ``Record(name, rtype, t_ttl, value)``: one resource record; ``rtype`` is one of
  ``RECORD_TYPES`` (``A``, ``AAAA``, ``CNAME``, ``NS``); names are stored absolute and lower case.
- ``parse_zone(text, origin) -> Zone``: standard zone-file text (``$TTL``, ``@``, relative names)
  parsed with dnspython. ``SOA`` is read for its negative-caching TTL; other types are refused.
- ``Zone.answer(qname, qtype, client=None) -> ZoneAnswer``: what that zone's authoritative
  server says: ``kind`` is ``"answer"``, ``"cname"``, ``"referral"`` (with ``next_zone``, the
  delegated child zone), ``"nodata"`` or ``"nxdomain"``.
- **Pluggable answers** (GeoDNS, weighted round robin): ``Zone.with_policy(policy)`` returns a
  copy of the zone whose server passes each ``"answer"`` through ``policy(query, records) ->
  records``; ``query`` is a ``Query(qname, qtype, client)`` and ``client`` is whatever the caller
  passed to ``resolve`` (a region name, a coordinate pair). The policy may return a subset, or new
  ``Record`` objects (another TTL); returning nothing makes the answer ``"nodata"``.

**Resolution**

- ``EXAMPLE_ZONES`` / ``example_namespace()``: a small Internet (root, ``com.``,
  ``example.com.``, a CDN's zone) used by the notebook and the widgets.
- ``Namespace(zones, t_rtt=..., t_rtt_default=...)``: the zones of a toy Internet, keyed by
  origin, with the round-trip time (seconds) to each zone's servers: a mapping origin -> seconds,
  or a callable ``t_rtt(origin, client) -> seconds`` (latency that depends on where the resolver
  is). ``Namespace.from_text({origin: zone_text})`` parses each zone.
- ``Resolver(namespace, cache=None, t_client=T_CLIENT, client=None)``; ``resolver.resolve(qname,
  qtype="A", t_now=0.0, client=None) -> Resolution``. The resolver asks root -> TLD ->
  authoritative, follows CNAMEs (a loop raises ``ValueError``), caches answers, delegations and
  negative answers in a ``TTLCache``, and returns a ``Resolution``: ``rcode`` (``"NOERROR"``,
  ``"NXDOMAIN"``, ``"SERVFAIL"``), ``answers`` (the CNAME chain and the final records),
  ``addresses``, and ``hops``, one ``Hop`` per question asked, each with its latency
  ``t_latency`` (s). Hop 0 is the stub leg (browser <-> resolver, ``kind`` ``"cache-hit"`` or
  ``"cache-miss"``); ``t_total`` is the sum of the hops' latencies.
- ``TTLCache``: ``put(key, records, t_now)`` keeps records until ``t_now + min TTL``;
  ``get(key, t_now)`` never returns them at or after that instant, and returns them with the TTL
  counted down to what remains.

**Caching, in numbers**

- ``hit_ratio(lam, t_ttl)``: ``lam*T / (1 + lam*T)``, the hit ratio of one name queried as a
  Poisson stream at ``lam`` queries/s through one cache with TTL ``T`` (Jung, Berger and
  Balakrishnan 2003). ``mean_lookup_time(p_hit, t_hit, t_miss)``: the expected lookup time.
- ``QueryStream(rate_queries, n_names, zipf_s, n_resolvers)``: Poisson queries spread over names
  with Zipf popularity and over resolvers (each has its own cache).
  ``simulate_cache(stream, t_ttl, t_duration, rng)`` measures hit ratio, queries reaching the
  authoritative servers and mean lookup time; ``expected_cache_stats(stream, t_ttl)`` gives the
  same from the formula. ``sample_queries`` and ``count_misses`` are its two halves (draw the
  lookups; mark which miss a TTL cache), for callers with their own streams.
- **Time-bucketed form** (for the capstone): ``resolver_cache_buckets(rate_queries, t_bucket,
  t_ttl, ...) -> CacheBuckets`` of per-bucket arrays (hit ratio, authoritative queries/s and
  per bucket, mean lookup time).

Simplifications. One server (or one anycast set) per zone, so "asking a zone" is one hop; glue
addresses are not followed, the resolver jumps straight to the child zone; no DNSSEC, no EDNS, no
packet loss or retries; lookups wait for nothing but the network. The bucketed form uses the
steady-state formula in each bucket (no carry-over of cache state between buckets).

>>> ns = Namespace.from_text({
...     ".": "$TTL 86400\\ncom. NS a.gtld.test.\\n",
...     "com.": "$TTL 86400\\nexample NS ns1.example.com.\\n",
...     "example.com.": "$TTL 300\\nwww A 192.0.2.10\\n",
... })
>>> res = Resolver(ns).resolve("www.example.com")
>>> res.rcode, res.addresses, [h.zone for h in res.hops[1:]]
('NOERROR', ('192.0.2.10',), ['.', 'com.', 'example.com.'])
>>> round(res.t_total, 3)
0.11
>>> Resolver(ns).resolve("nope.example.com").rcode
'NXDOMAIN'
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scalelab.validate import check_choice, check_int, check_number, check_rng

__all__ = [
    "RECORD_TYPES",
    "EXAMPLE_ZONES",
    "example_namespace",
    "T_CLIENT",
    "T_ROOT",
    "T_TLD",
    "T_AUTH",
    "normalize_name",
    "Record",
    "Query",
    "ZoneAnswer",
    "Zone",
    "parse_zone",
    "Namespace",
    "Hop",
    "Resolution",
    "TTLCache",
    "Resolver",
    "hit_ratio",
    "mean_lookup_time",
    "zipf_popularity",
    "QueryStream",
    "CacheStats",
    "sample_queries",
    "count_misses",
    "simulate_cache",
    "expected_cache_stats",
    "CacheBuckets",
    "resolver_cache_buckets",
]

RECORD_TYPES = ("A", "AAAA", "CNAME", "NS")
"""The record types the model knows: IPv4 address, IPv6 address, alias, delegation."""

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

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def normalize_name(name: str, what: str = "name") -> str:
    """Return ``name`` absolute (trailing dot) and lower case; ``ValueError`` if malformed.

    Labels are 1-63 letters, digits, hyphens (not at either end) or underscores; the whole name
    is at most 253 characters. ``"."`` is the root.

    >>> normalize_name("WWW.Example.com")
    'www.example.com.'
    >>> normalize_name("bad..name")
    Traceback (most recent call last):
    ...
    ValueError: name must be a domain name such as 'www.example.com' (labels of 1-63 letters, digits or hyphens); got 'bad..name': empty label
    """
    if not isinstance(name, str):
        raise ValueError(f"{what} must be a domain name (a string); got {name!r}")
    text = name.strip().lower()
    if text in (".", ""):
        if text == ".":
            return "."
        raise ValueError(f"{what} must be a domain name such as 'www.example.com'; got {name!r}")
    body = text[:-1] if text.endswith(".") else text
    hint = (
        f"{what} must be a domain name such as 'www.example.com' "
        f"(labels of 1-63 letters, digits or hyphens); got {name!r}"
    )
    if len(body) > 253:
        raise ValueError(f"{hint}: longer than 253 characters")
    for label in body.split("."):
        if label == "":
            raise ValueError(f"{hint}: empty label")
        if not _LABEL.match(label):
            raise ValueError(f"{hint}: bad label {label!r}")
    return body + "."


def _is_under(name: str, origin: str) -> bool:
    """True if ``name`` equals ``origin`` or lies below it (both absolute)."""
    return origin == "." or name == origin or name.endswith("." + origin)


def _ancestors(name: str) -> list[str]:
    """``name`` and every ancestor, deepest first, ending with the root ``"."``."""
    out, rest = [], name
    while rest != ".":
        out.append(rest)
        rest = rest.split(".", 1)[1] or "."
    out.append(".")
    return out


@dataclass(frozen=True)
class Record:
    """One resource record: ``name`` has ``rtype`` ``value`` for ``t_ttl`` seconds.

    ``value`` is an address for ``A``/``AAAA`` and a domain name for ``CNAME``/``NS``.

    >>> Record("WWW.example.com", "a", 60, "192.0.2.1")
    Record(name='www.example.com.', rtype='A', t_ttl=60, value='192.0.2.1')
    >>> Record("www.example.com", "MX", 60, "mail.example.com")
    Traceback (most recent call last):
    ...
    ValueError: rtype must be one of 'A', 'AAAA', 'CNAME', 'NS'; got 'MX'
    """

    name: str
    rtype: str
    t_ttl: float
    value: str

    def __post_init__(self):
        name = normalize_name(self.name, "name")
        rtype = self.rtype.upper() if isinstance(self.rtype, str) else self.rtype
        check_choice("rtype", rtype, RECORD_TYPES)
        check_number("t_ttl", self.t_ttl, low=0, high=2**31 - 1)
        value = self.value
        if rtype in ("A", "AAAA"):
            try:
                addr = ipaddress.ip_address(str(value))
            except ValueError:
                raise ValueError(
                    f"value of an {rtype} record must be an IP address; got {value!r}"
                ) from None
            if (addr.version == 4) != (rtype == "A"):
                raise ValueError(
                    f"value of an {rtype} record must be an IPv"
                    f"{4 if rtype == 'A' else 6} address; got {value!r}"
                )
            value = str(addr)
        else:
            value = normalize_name(value, f"value of a {rtype} record")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "rtype", rtype)
        object.__setattr__(self, "value", value)


@dataclass(frozen=True)
class Query:
    """A question put to an authoritative server, with who (or where) is asking."""

    qname: str
    qtype: str
    client: Any = None


AnswerPolicy = Callable[[Query, tuple[Record, ...]], tuple[Record, ...]]


@dataclass(frozen=True)
class ZoneAnswer:
    """An authoritative server's reply.

    ``kind``: ``"answer"`` (``records`` answer the question), ``"cname"`` (``records`` is the
    alias; ask again for its target), ``"referral"`` (``records`` are the NS records of the
    delegated child zone ``next_zone``; ask that zone), ``"nodata"`` (the name exists, not that
    type) or ``"nxdomain"`` (no such name). ``t_negative`` is how long a resolver may cache a
    ``"nodata"``/``"nxdomain"`` reply (seconds).
    """

    kind: str
    records: tuple[Record, ...] = ()
    next_zone: str | None = None
    t_negative: float = 0.0


@dataclass(frozen=True)
class Zone:
    """The records one authoritative server holds for ``origin`` and the names below it.

    ``t_negative`` is the negative-caching TTL (seconds; from the SOA record, RFC 2308).
    ``policy`` (optional) picks the records of each answer (see ``with_policy``).
    """

    origin: str
    records: tuple[Record, ...]
    t_negative: float = 0.0
    policy: AnswerPolicy | None = field(default=None, compare=False)

    def __post_init__(self):
        origin = normalize_name(self.origin, "origin")
        object.__setattr__(self, "origin", origin)
        records = tuple(self.records)
        for r in records:
            if not isinstance(r, Record):
                raise ValueError(f"records must be Record objects; got {r!r}")
            if not _is_under(r.name, origin):
                raise ValueError(f"record {r.name} lies outside the zone {origin}")
        check_number("t_negative", self.t_negative, low=0)
        by_name: dict[str, list[Record]] = {}
        for r in records:
            by_name.setdefault(r.name, []).append(r)
        for name, rs in by_name.items():
            if any(r.rtype == "CNAME" for r in rs) and len(rs) > 1:
                raise ValueError(f"{name} has a CNAME and other records: a CNAME must stand alone")
        cuts = sorted(
            {r.name for r in records if r.rtype == "NS" and r.name != origin},
            key=lambda n: n.count("."),
        )
        object.__setattr__(self, "records", records)
        object.__setattr__(self, "_by_name", {k: tuple(v) for k, v in by_name.items()})
        object.__setattr__(self, "_cuts", tuple(cuts))

    @property
    def delegations(self) -> tuple[str, ...]:
        """Origins of the child zones this zone delegates (its zone cuts), shallowest first."""
        return self._cuts

    def with_policy(self, policy: AnswerPolicy | None) -> Zone:
        """A copy of this zone whose answers pass through ``policy(query, records) -> records``.

        >>> z = parse_zone("www 60 A 192.0.2.1\\nwww 60 A 198.51.100.1", "example.com")
        >>> eu = z.with_policy(lambda q, rs: tuple(r for r in rs if
        ...     r.value.startswith("192") == (q.client == "eu")))
        >>> [r.value for r in eu.answer("www.example.com", "A", client="eu").records]
        ['192.0.2.1']
        """
        if policy is not None and not callable(policy):
            raise ValueError(f"policy must be callable (query, records) -> records; got {policy!r}")
        return dataclasses.replace(self, policy=policy)

    def answer(self, qname: str, qtype: str = "A", client: Any = None) -> ZoneAnswer:
        """What this zone's server replies to ``qname``/``qtype`` (see ``ZoneAnswer``).

        >>> z = parse_zone("www 60 A 192.0.2.1\\napi CNAME www\\nshop NS ns.shop", "example.com")
        >>> z.answer("www.example.com").kind, z.answer("api.example.com").kind
        ('answer', 'cname')
        >>> a = z.answer("cart.shop.example.com")
        >>> a.kind, a.next_zone
        ('referral', 'shop.example.com.')
        >>> z.answer("www.example.com", "AAAA").kind, z.answer("x.example.com").kind
        ('nodata', 'nxdomain')
        """
        qname = normalize_name(qname, "qname")
        qtype = check_choice(
            "qtype", qtype.upper() if isinstance(qtype, str) else qtype, RECORD_TYPES
        )
        if not _is_under(qname, self.origin):
            raise ValueError(f"qname {qname} is not in the zone {self.origin}")
        for cut in self._cuts:
            if _is_under(qname, cut):
                ns = tuple(r for r in self._by_name[cut] if r.rtype == "NS")
                return ZoneAnswer("referral", ns, next_zone=cut)
        here = self._by_name.get(qname, ())
        cname = tuple(r for r in here if r.rtype == "CNAME")
        if cname and qtype != "CNAME":
            return ZoneAnswer("cname", cname)
        found = tuple(r for r in here if r.rtype == qtype)
        if found and self.policy is not None:
            picked = tuple(self.policy(Query(qname, qtype, client), found))
            for r in picked:
                if not isinstance(r, Record):
                    raise ValueError(f"an answer policy must return Record objects; got {r!r}")
            found = picked
        if found:
            return ZoneAnswer("answer", found)
        exists = bool(here) or any(n.endswith("." + qname) for n in self._by_name)
        return ZoneAnswer("nodata" if exists else "nxdomain", (), t_negative=self.t_negative)


_NEG_TTL = re.compile(r"(?:^|\s)(-\d+)(?=\s|$)")


def parse_zone(text: str, origin: str) -> Zone:
    """Parse zone-file ``text`` for ``origin`` with dnspython; return a ``Zone``.

    Standard syntax: ``$TTL``, ``$ORIGIN``, ``@``, relative names, ``IN``, comments after ``;``.
    Records without a TTL take ``$TTL`` (or the SOA minimum). Only ``A``, ``AAAA``, ``CNAME``,
    ``NS`` and ``SOA`` are accepted; the SOA gives the negative-caching TTL.

    >>> z = parse_zone("$TTL 300\\n@ NS ns1\\nns1 A 192.0.2.53\\nwww 60 A 192.0.2.10", "example.com")
    >>> [(r.name, r.rtype, r.t_ttl) for r in z.records]
    [('example.com.', 'NS', 300), ('ns1.example.com.', 'A', 300), ('www.example.com.', 'A', 60)]
    >>> parse_zone("www 60 MX 10 mail", "example.com")
    Traceback (most recent call last):
    ...
    ValueError: record type MX (at www.example.com.) is not supported: use one of A, AAAA, CNAME, NS
    """
    import dns.exception
    import dns.rdatatype
    import dns.zone

    if not isinstance(text, str):
        raise ValueError(f"text must be zone-file text (a string); got {type(text).__name__}")
    origin = normalize_name(origin, "origin")
    for line in text.splitlines():
        m = _NEG_TTL.search(line.split(";", 1)[0])
        if m:
            raise ValueError(f"t_ttl must be >= 0; got {m.group(1)} in zone line {line.strip()!r}")
    if "$TTL" not in text.upper():
        text = "$TTL 3600\n" + text
    try:
        parsed = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
    except dns.exception.DNSException as err:
        msg = str(err)
        m = re.search(r"unknown rdatatype '([^']*)'", msg)
        if m:
            raise ValueError(
                f"unknown record type {m.group(1)!r} in zone {origin}: use one of "
                f"{', '.join(RECORD_TYPES)}"
            ) from None
        raise ValueError(f"malformed zone text for {origin}: {msg}") from None
    records, t_negative = [], 0.0
    for name, ttl, rdata in parsed.iterate_rdatas():
        rtype = dns.rdatatype.to_text(rdata.rdtype)
        owner = name.to_text()
        if rtype == "SOA":
            t_negative = float(min(ttl, rdata.minimum))
            continue
        if rtype not in RECORD_TYPES:
            raise ValueError(
                f"record type {rtype} (at {owner}) is not supported: use one of "
                f"{', '.join(RECORD_TYPES)}"
            )
        if rtype in ("A", "AAAA"):
            value = rdata.address
        else:
            value = rdata.target.to_text()
        records.append(Record(owner, rtype, int(ttl), value))
    return Zone(origin, tuple(records), t_negative=t_negative)


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
    t_rtt_default: float | None = None

    def __post_init__(self):
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
        if self.t_rtt_default is not None:
            check_number("t_rtt_default", self.t_rtt_default, low=0)
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
        if not isinstance(namespace, Namespace):
            raise ValueError(f"namespace must be a Namespace; got {namespace!r}")
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


# --- caching, in numbers -------------------------------------------------------------------


def hit_ratio(lam, t_ttl):
    """Hit ratio of one name queried at ``lam`` queries/s (Poisson) through a TTL-``t_ttl`` cache.

    A miss fetches the record and starts a TTL period of ``t_ttl`` s in which, on average,
    ``lam * t_ttl`` more queries arrive and hit; then the next query misses again after an
    average ``1/lam`` s. So ``h = lam*T / (1 + lam*T)`` (renewal argument; Jung, Berger and
    Balakrishnan, INFOCOM 2003). Works elementwise on arrays.

    >>> hit_ratio(1.0, 9.0)
    0.9
    """
    lam_a = np.asarray(lam, dtype=float)
    t_a = np.asarray(t_ttl, dtype=float)
    if np.any(~np.isfinite(lam_a)) or np.any(lam_a < 0):
        raise ValueError(f"lam must be >= 0 queries/s; got {lam!r}")
    if np.any(~np.isfinite(t_a)) or np.any(t_a < 0):
        raise ValueError(f"t_ttl must be >= 0 s; got {t_ttl!r}")
    x = lam_a * t_a
    out = x / (1.0 + x)
    return float(out) if out.ndim == 0 else out


def mean_lookup_time(p_hit, t_hit: float, t_miss: float):
    """Expected lookup time (s): ``p_hit * t_hit + (1 - p_hit) * t_miss``.

    >>> round(mean_lookup_time(0.9, 0.01, 0.11), 4)
    0.02
    """
    p = np.asarray(p_hit, dtype=float)
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError(f"p_hit must be in [0, 1]; got {p_hit!r}")
    check_number("t_hit", t_hit, low=0)
    check_number("t_miss", t_miss, low=0)
    out = p * t_hit + (1.0 - p) * t_miss
    return float(out) if out.ndim == 0 else out


def zipf_popularity(n_names: int, s: float = 1.0) -> np.ndarray:
    """Probabilities of ``n_names`` names under Zipf's law: name k has weight ``1/k**s``.

    >>> zipf_popularity(3, 1.0).round(3).tolist()
    [0.545, 0.273, 0.182]
    """
    n = check_int("n_names", n_names, low=1)
    check_number("zipf_s", s, low=0, high=5)
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


@dataclass(frozen=True)
class QueryStream:
    """Lookups arriving as a Poisson stream.

    ``rate_queries``: all lookups per second, over all names and resolvers; ``n_names`` names
    with Zipf(``zipf_s``) popularity; ``n_resolvers`` resolvers sharing the load evenly, each
    with its own cache (an ISP's users share one resolver; different ISPs do not).
    """

    rate_queries: float
    n_names: int = 1
    zipf_s: float = 1.0
    n_resolvers: int = 1

    def __post_init__(self):
        check_number("rate_queries", self.rate_queries, low=0)
        check_int("n_names", self.n_names, low=1)
        check_number("zipf_s", self.zipf_s, low=0, high=5)
        check_int("n_resolvers", self.n_resolvers, low=1)

    def rates(self) -> np.ndarray:
        """Queries/s for each (resolver, name) pair, shape ``(n_resolvers, n_names)``."""
        p = zipf_popularity(self.n_names, self.zipf_s)
        return np.tile(self.rate_queries * p / self.n_resolvers, (self.n_resolvers, 1))


@dataclass(frozen=True)
class CacheStats:
    """Resolver-cache outcome over ``t_duration`` seconds (counts; expected values if computed
    from the formula). ``rate_upstream`` is the load on the authoritative servers (queries/s)."""

    n_queries: float
    n_hits: float
    hit_ratio: float
    n_upstream: float
    rate_upstream: float
    t_mean_lookup: float
    t_duration: float


def sample_queries(stream: QueryStream, t_duration: float, rng: np.random.Generator):
    """Sample the stream for ``t_duration`` s: sorted arrival times (s) and, for each, the
    resolver and the name (indices), as three arrays.

    >>> t, r, n = sample_queries(QueryStream(10.0, n_names=3), 100.0, np.random.default_rng(1))
    >>> len(t) > 900, bool(np.all(np.diff(t) >= 0)), int(r.max()), int(n.max()) <= 2
    (True, True, 0, True)
    """
    if not isinstance(stream, QueryStream):
        raise ValueError(f"stream must be a QueryStream; got {stream!r}")
    check_number("t_duration", t_duration, low=0, low_open=True)
    check_rng(rng)
    n = int(rng.poisson(stream.rate_queries * t_duration))
    # Sorted uniforms without a sort: normalised partial sums of n + 1 exponentials.
    gaps = np.cumsum(rng.exponential(1.0, n + 1))
    times = t_duration * gaps[:-1] / gaps[-1]
    resolvers = rng.integers(0, stream.n_resolvers, n)
    names = rng.choice(stream.n_names, size=n, p=zipf_popularity(stream.n_names, stream.zipf_s))
    return times, resolvers, names


def count_misses(times, keys, t_ttl: float) -> np.ndarray:
    """Boolean array: which queries miss a TTL-``t_ttl`` cache (one cache entry per key).

    ``times`` (s, any order) and integer ``keys`` (which cache entry a query reads). A query
    misses if its key has no entry or the entry has expired (``t >= fetched + t_ttl``); a miss
    refetches. Vectorised: all "next miss" pointers come from one ``searchsorted``; only the walk
    along the misses is a Python loop.
    """
    times = np.asarray(times, dtype=float)
    keys = np.asarray(keys, dtype=np.int64)
    n = len(times)
    miss = np.zeros(n, dtype=bool)
    if n == 0:
        return miss
    if t_ttl == 0:
        miss[:] = True  # nothing is ever cached
        return miss
    span = float(times.max() - times.min()) + t_ttl + 1.0
    if n > 1 and np.all(times[1:] >= times[:-1]):
        order = np.argsort(keys, kind="stable")  # already in time order within each key
    else:
        order = np.lexsort((times, keys))
    key_sorted = keys[order] * span + (times[order] - times.min())
    nxt = np.searchsorted(key_sorted, key_sorted + t_ttl, side="left")
    miss_idx = []
    i = 0
    while i < n:
        miss_idx.append(i)
        j = nxt.item(i)
        i = j if j > i else i + 1
    miss[order[miss_idx]] = True
    return miss


def simulate_cache(
    stream: QueryStream,
    t_ttl: float,
    t_duration: float,
    rng: np.random.Generator,
    *,
    t_hit: float = T_CLIENT,
    t_miss: float = T_CLIENT + T_AUTH,
) -> CacheStats:
    """Simulate resolver caches under ``stream`` for ``t_duration`` s with TTL ``t_ttl`` s.

    Each resolver caches each name; the caches start empty. ``t_hit``/``t_miss``: lookup time (s)
    of a hit and of a miss (default: the stub leg, plus the authoritative round trip for a miss,
    as when the TLD delegation is already cached).

    >>> s = simulate_cache(QueryStream(1.0), 9.0, 20_000.0, np.random.default_rng(7))
    >>> abs(s.hit_ratio - 0.9) < 0.01
    True
    """
    check_number("t_ttl", t_ttl, low=0)
    check_number("t_hit", t_hit, low=0)
    check_number("t_miss", t_miss, low=0)
    times, resolvers, names = sample_queries(stream, t_duration, rng)
    n = len(times)
    miss = count_misses(times, resolvers * stream.n_names + names, float(t_ttl))
    n_up = int(miss.sum())
    n_hits = n - n_up
    h = n_hits / n if n else 0.0
    return CacheStats(
        float(n),
        float(n_hits),
        float(h),
        float(n_up),
        n_up / t_duration,
        float(mean_lookup_time(h, t_hit, t_miss)) if n else 0.0,
        float(t_duration),
    )


def expected_cache_stats(
    stream: QueryStream,
    t_ttl: float,
    t_duration: float = 1.0,
    *,
    t_hit: float = T_CLIENT,
    t_miss: float = T_CLIENT + T_AUTH,
) -> CacheStats:
    """What ``simulate_cache`` should find on average, from ``hit_ratio`` per (resolver, name).

    >>> round(expected_cache_stats(QueryStream(1.0), 9.0).hit_ratio, 3)
    0.9
    """
    if not isinstance(stream, QueryStream):
        raise ValueError(f"stream must be a QueryStream; got {stream!r}")
    check_number("t_ttl", t_ttl, low=0)
    check_number("t_duration", t_duration, low=0, low_open=True)
    lam = stream.rates()
    miss_rate = float(np.sum(lam / (1.0 + lam * t_ttl)))
    total = stream.rate_queries
    h = 1.0 - miss_rate / total if total > 0 else 0.0
    return CacheStats(
        total * t_duration,
        total * t_duration * h,
        h,
        miss_rate * t_duration,
        miss_rate,
        float(mean_lookup_time(h, t_hit, t_miss)),
        float(t_duration),
    )


@dataclass(frozen=True)
class CacheBuckets:
    """Per-bucket resolver-cache figures (arrays of one value per bucket)."""

    hit_ratio: np.ndarray
    rate_upstream: np.ndarray  # queries/s reaching the authoritative servers
    n_upstream: np.ndarray  # queries reaching them in the bucket
    t_mean_lookup: np.ndarray  # seconds


def resolver_cache_buckets(
    rate_queries,
    t_bucket: float,
    t_ttl: float,
    *,
    n_names: int = 1,
    zipf_s: float = 1.0,
    n_resolvers: int = 1,
    t_hit: float = T_CLIENT,
    t_miss: float = T_CLIENT + T_AUTH,
) -> CacheBuckets:
    """The time-bucketed resolver cache: lookups/s per bucket -> per-bucket cache figures.

    ``rate_queries``: offered lookups/s in each bucket of ``t_bucket`` s. Each bucket uses the
    steady-state formula at its own rate (good when ``t_ttl`` is short next to ``t_bucket``).

    >>> b = resolver_cache_buckets([0.0, 1.0, 10.0], 3600.0, 9.0)
    >>> b.hit_ratio.round(3).tolist(), b.rate_upstream.round(3).tolist()
    ([0.0, 0.9, 0.989], [0.0, 0.1, 0.11])
    """
    rate = np.asarray(rate_queries, dtype=float)
    if rate.ndim != 1 or np.any(~np.isfinite(rate)) or np.any(rate < 0):
        raise ValueError(f"rate_queries must be a 1-d array of rates >= 0; got {rate_queries!r}")
    check_number("t_bucket", t_bucket, low=0, low_open=True)
    check_number("t_ttl", t_ttl, low=0)
    check_number("t_hit", t_hit, low=0)
    check_number("t_miss", t_miss, low=0)
    check_int("n_resolvers", n_resolvers, low=1)
    p = zipf_popularity(n_names, zipf_s)
    lam = rate[:, None] * p[None, :] / n_resolvers  # per resolver and name
    miss_rate = n_resolvers * np.sum(lam / (1.0 + lam * t_ttl), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(rate > 0, 1.0 - miss_rate / np.where(rate > 0, rate, 1.0), 0.0)
    return CacheBuckets(h, miss_rate, miss_rate * t_bucket, h * t_hit + (1.0 - h) * t_miss)
