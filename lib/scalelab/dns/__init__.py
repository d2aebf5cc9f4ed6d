"""DNS: zones, a recursive resolver with a trace, a TTL cache, and how caching pays off.

The real-world picture. A person types ``www.example.com``; the browser cannot send a packet to
a name, only to an IP address. It asks a *recursive resolver* (run by the ISP, the company, or a
public service). If the resolver has a fresh answer in its cache it replies at once. Otherwise it
walks the delegation chain: a *root* server refers it to the servers of ``com.``, those refer it
to the *authoritative* servers of ``example.com.`` (often a paid third-party DNS host), and those
give the answer. Every record carries a *time to live* (TTL, seconds): how long resolvers may
keep it. Long TTLs mean fast lookups and little load on the authoritative servers; short TTLs mean
changes (a new server, a failover) reach users quickly.

The public API, in the order a learner meets it, one module per part (import from the package:
``from scalelab.dns import Resolver``):

**Records and zones** (:mod:`~scalelab.dns.zones`)

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

**Resolution** (:mod:`~scalelab.dns.resolution`)

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

**Caching, in numbers** (:mod:`~scalelab.dns.caching`)

- ``hit_ratio(rate, t_ttl)``: ``λT / (1 + λT)``, the hit ratio of one name queried as a
  Poisson stream at ``rate`` (λ) queries/s through one cache with TTL ``T`` (Jung, Berger and
  Balakrishnan 2003). ``mean_lookup_time(p_hit, t_hit, t_miss)``: the expected lookup time.
- ``QueryStream(rate_queries, n_names, zipf_s, n_resolvers)``: Poisson queries spread over names
  with Zipf popularity and over resolvers (each has its own cache).
  ``simulate_cache(stream, t_ttl, t_duration, rng=rng)`` measures hit ratio, queries reaching the
  authoritative servers and mean lookup time; ``expected_cache_stats(stream, t_ttl)`` gives the
  same from the formula. ``sample_queries`` and ``count_misses`` are its two halves (draw the
  lookups; mark which miss a TTL cache), for callers with their own streams.
- **Time-bucketed form** (for the capstone, the contract of :mod:`scalelab.buckets`):
  ``resolver_buckets(rate_queries, t_bucket, ResolverCache(t_ttl, ...)) -> CacheBuckets``
  of per-bucket arrays (hit ratio, authoritative queries/s and per bucket, mean lookup time).

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

from scalelab.dns.caching import (
    CacheBuckets,
    CacheStats,
    QueryStream,
    ResolverCache,
    _resolver_cache_buckets,  # deprecated, see __getattr__
    count_misses,
    expected_cache_stats,
    hit_ratio,
    mean_lookup_time,
    resolver_buckets,
    sample_queries,
    simulate_cache,
    zipf_popularity,
)
from scalelab.dns.resolution import (
    EXAMPLE_ZONES,
    T_AUTH,
    T_CLIENT,
    T_ROOT,
    T_TLD,
    Hop,
    Namespace,
    Resolution,
    Resolver,
    TTLCache,
    example_namespace,
)
from scalelab.dns.zones import (
    RECORD_TYPES,
    Query,
    Record,
    Zone,
    ZoneAnswer,
    normalize_name,
    parse_zone,
)
from scalelab.dns.zones import AnswerPolicy as AnswerPolicy  # not in __all__
from scalelab.dns.zones import _is_under as _is_under  # not in __all__

__all__ = [
    "RECORD_TYPES",
    "normalize_name",
    "Record",
    "Query",
    "ZoneAnswer",
    "Zone",
    "parse_zone",
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
    "hit_ratio",
    "mean_lookup_time",
    "zipf_popularity",
    "QueryStream",
    "CacheStats",
    "sample_queries",
    "count_misses",
    "simulate_cache",
    "expected_cache_stats",
    "ResolverCache",
    "CacheBuckets",
    "resolver_buckets",
]


def __getattr__(name: str):
    # a name from before the capstone contract, kept (deprecated, outside __all__) so that
    # notebooks of an older release still import it
    if name == "resolver_cache_buckets":
        return _resolver_cache_buckets
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
