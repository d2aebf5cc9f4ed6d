"""Records and zones: what one zone's authoritative server knows and answers.

A :class:`Record` is one resource record (``name``, ``rtype`` of :data:`RECORD_TYPES`, ``t_ttl``
in seconds, ``value``); names are stored absolute and lower case (:func:`normalize_name`).
:func:`parse_zone` reads standard zone-file text (``$TTL``, ``@``, relative names) with dnspython
into a :class:`Zone`; ``SOA`` is read for its negative-caching TTL and other types are refused.
``Zone.answer(qname, qtype, client=None)`` returns what the zone's server says, a
:class:`ZoneAnswer` whose ``kind`` is ``"answer"``, ``"cname"``, ``"referral"`` (with the
delegated child zone), ``"nodata"`` or ``"nxdomain"``. ``Zone.with_policy(policy)`` makes the
answers pluggable (GeoDNS, weighted round robin): the policy gets a :class:`Query` and the
matching records and returns the records to answer with.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scalelab.validate import check_choice, param, validate_fields

__all__ = [
    "RECORD_TYPES",
    "normalize_name",
    "Record",
    "Query",
    "ZoneAnswer",
    "Zone",
    "parse_zone",
]


RECORD_TYPES = ("A", "AAAA", "CNAME", "NS")
"""The record types the model knows: IPv4 address, IPv6 address, alias, delegation."""

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
    t_ttl: float = param(low=0, high=2**31 - 1, doc="time the record may be cached", unit="s")
    value: str

    def __post_init__(self):
        validate_fields(self)
        name = normalize_name(self.name, "name")
        rtype = self.rtype.upper() if isinstance(self.rtype, str) else self.rtype
        check_choice("rtype", rtype, RECORD_TYPES)
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
    t_negative: float = param(
        0.0, low=0, doc="negative-caching TTL (from the SOA record)", unit="s"
    )
    policy: AnswerPolicy | None = field(default=None, compare=False)

    def __post_init__(self):
        validate_fields(self)
        origin = normalize_name(self.origin, "origin")
        object.__setattr__(self, "origin", origin)
        records = tuple(self.records)
        for r in records:
            if not isinstance(r, Record):
                raise ValueError(f"records must be Record objects; got {r!r}")
            if not _is_under(r.name, origin):
                raise ValueError(f"record {r.name} lies outside the zone {origin}")
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
