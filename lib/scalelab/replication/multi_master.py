"""Multi-master replication simulated: a mesh or a ring of masters, clock skew, lost writes.

Every node accepts writes and ships them to the others: in a *mesh* directly, in a *ring*
(circular replication, A -> B -> C -> A) hop by hop, where a cut link or a stopped node stops
everything behind it (:func:`ring_arrival_times`). :func:`simulate_multi_master` runs Poisson
writes over shared keys (:class:`MultiMasterParams`, one of :data:`TOPOLOGIES`) with skewed node
clocks, and returns, per write, when each node received it, whether last-write-wins silently
discarded it and whether it was concurrent with another write, plus the versions a
version-vector store would keep (a :class:`MultiMasterResult`). Times in seconds, rates in
writes/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scalelab.validate import (
    check_int,
    check_number,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "TOPOLOGIES",
    "ring_arrival_times",
    "MultiMasterParams",
    "MultiMasterResult",
    "simulate_multi_master",
]


TOPOLOGIES = ("mesh", "ring")
"""Multi-master topologies: every node ships to every other, or each forwards to the next."""


def ring_arrival_times(
    n_nodes: int,
    origin: int,
    t_hop: float,
    cut_link: tuple[int, int] | None = None,
    stopped_node: int | None = None,
) -> list[float]:
    """Seconds until a write made at ``origin`` reaches each node of a ring (``inf``: never).

    Node ``i`` forwards to node ``(i + 1) % n_nodes``; each hop takes ``t_hop`` seconds. A cut
    link ``(a, a + 1)`` or a stopped node blocks everything downstream of it.

    >>> ring_arrival_times(4, 1, 0.5)
    [1.5, 0.0, 0.5, 1.0]
    >>> ring_arrival_times(4, 1, 0.5, cut_link=(2, 3))
    [inf, 0.0, 0.5, inf]
    """
    check_int("n_nodes", n_nodes, low=1, high=10_000)
    check_int("origin", origin, low=0, high=n_nodes - 1)
    check_number("t_hop", t_hop, low=0)
    if cut_link is not None:
        _check_ring_link(cut_link, n_nodes)
    if stopped_node is not None:
        check_int("stopped_node", stopped_node, low=0, high=n_nodes - 1)
        if stopped_node == origin:
            raise ValueError(f"stopped_node must differ from origin {origin}; got {stopped_node}")
    out = [math.inf] * n_nodes
    out[origin] = 0.0
    node = origin
    for hop in range(1, n_nodes):
        nxt = (node + 1) % n_nodes
        if (cut_link is not None and tuple(cut_link) == (node, nxt)) or nxt == stopped_node:
            break
        out[nxt] = hop * t_hop
        node = nxt
    return out


def _check_ring_link(link, n_nodes):
    if (
        not isinstance(link, tuple | list)
        or len(link) != 2
        or any(isinstance(x, bool) or not isinstance(x, int | np.integer) for x in link)
        or not (0 <= link[0] < n_nodes)
        or link[1] != (link[0] + 1) % n_nodes
    ):
        raise ValueError(
            f"cut_link must be a ring link (a, (a + 1) % n_nodes) with 0 <= a < {n_nodes}; "
            f"got {link!r}"
        )


@dataclass(frozen=True)
class MultiMasterParams:
    """``n_nodes`` masters sharing ``n_keys`` keys, Poisson writes spread over the live nodes.

    ``rate_writes``: writes/s over all nodes; ``t_delay``: mean one-way replication delay in
    seconds (per link in a mesh, per hop in a ring; exponential); ``t_skew``: node clocks are
    offset evenly across ``[-t_skew, +t_skew]`` seconds (node 0 slowest, the last node fastest);
    ``topology``: ``"mesh"`` (each node ships its own writes to every other) or ``"ring"`` (each
    node forwards what it receives to the next); ``cut_link``: a link ``(a, b)`` that carries
    nothing; ``stopped_node``: a node that neither writes nor receives nor forwards.
    """

    n_nodes: int = param(3, kind="int", low=2, high=20, doc="masters")
    n_keys: int = param(5, kind="int", low=1, high=1000, doc="keys shared by the masters")
    rate_writes: float = param(5.0, low=0, high=200, doc="writes/s over all nodes", unit="writes/s")
    t_delay: float = param(0.2, low=0, high=60, doc="mean one-way replication delay", unit="s")
    t_skew: float = param(0.0, low=0, high=60, doc="spread of the node clocks' offsets", unit="s")
    t_end: float = param(30.0, low=0, high=600, low_open=True, doc="length of the run", unit="s")
    topology: str = param(
        "mesh", kind="choice", choices=TOPOLOGIES, doc="how writes travel between the masters"
    )
    cut_link: tuple[int, int] | None = None
    stopped_node: int | None = None

    def __post_init__(self):
        validate_fields(self)
        if self.cut_link is not None:
            if self.topology == "ring":
                _check_ring_link(self.cut_link, self.n_nodes)
            else:
                a, b = self.cut_link
                check_int("cut_link[0]", a, low=0, high=self.n_nodes - 1)
                check_int("cut_link[1]", b, low=0, high=self.n_nodes - 1)
                if a == b:
                    raise ValueError(f"cut_link must join two different nodes; got {self.cut_link}")
        if self.stopped_node is not None:
            check_int("stopped_node", self.stopped_node, low=0, high=self.n_nodes - 1)


@dataclass(frozen=True)
class MultiMasterResult:
    """Every write, when it reached each node, and what LWW and version vectors make of it.

    Arrays over writes ``w``: ``t_write`` (real time, s), ``origin``, ``key``, ``timestamp``
    (the origin's clock), ``vv`` (version vector per key, shape writes × nodes),
    ``delivered`` (arrival time at each node, ``inf`` if never; shape writes × nodes).
    ``lost``: writes whose value LWW replaced, at their own node, by a write that had never seen
    them (a concurrent write, or an earlier one with a faster clock): silently discarded updates;
    ``lost_to_earlier``: those beaten by a write made earlier in real time (only clock skew
    does that);
    ``concurrent``: writes concurrent with at least one other write to the same key.
    ``winner``: the LWW value per node and key (write index, -1 if none), shape nodes × keys.
    ``siblings``: versions a version-vector store keeps per node and key (nodes × keys).
    """

    params: MultiMasterParams
    t_write: np.ndarray
    origin: np.ndarray
    key: np.ndarray
    timestamp: np.ndarray
    vv: np.ndarray
    delivered: np.ndarray
    lost: np.ndarray
    lost_to_earlier: np.ndarray
    concurrent: np.ndarray
    winner: np.ndarray
    siblings: np.ndarray
    live: np.ndarray

    @property
    def n_writes(self) -> int:
        return int(self.t_write.size)

    @property
    def n_lost(self) -> int:
        return int(self.lost.sum())

    @property
    def n_lost_to_earlier(self) -> int:
        return int(self.lost_to_earlier.sum())

    @property
    def n_conflicts(self) -> int:
        """Keys whose version-vector store ends with more than one version (a conflict)."""
        return int((self.siblings[self.live].max(axis=0) > 1).sum()) if self.live.any() else 0

    @property
    def converged(self) -> bool:
        """True when every live node ends with the same value for every key."""
        w = self.winner[self.live]
        return bool(np.all(w == w[0]))

    @property
    def t_converged(self) -> float:
        """Real time (s) from which every live node holds its final value for every key."""
        if not self.converged:
            return math.inf
        final = self.winner[self.live][0]
        has = final >= 0
        if not has.any():
            return 0.0
        return float(self.delivered[final[has]][:, self.live].max())

    def disagreement(self, times) -> np.ndarray:
        """Number of keys on which the live nodes' LWW values differ, at each of ``times``."""
        times = np.asarray(times, dtype=float)
        out = np.zeros(times.size, dtype=int)
        order = np.lexsort((self.origin, self.timestamp))
        rank = np.empty(self.n_writes, dtype=int)
        rank[order] = np.arange(self.n_writes)
        for k in range(self.params.n_keys):
            sel = self.key == k
            if not sel.any():
                continue
            d = self.delivered[sel][:, self.live]  # (W_k, N_live)
            seen = d[None, :, :] <= times[:, None, None]
            cur = np.where(seen, rank[sel][None, :, None], -1).max(axis=1)  # (T, N_live)
            out += cur.max(axis=1) != cur.min(axis=1)
        return out


def _deliveries(p: MultiMasterParams, t_write, origin, rng) -> np.ndarray:
    n_w, n = t_write.size, p.n_nodes
    d = np.full((n_w, n), np.inf)
    if p.topology == "mesh":
        jitter = rng.exponential(p.t_delay, (n_w, n)) if p.t_delay else np.zeros((n_w, n))
        d[:] = t_write[:, None] + jitter
        d[np.arange(n_w), origin] = t_write
        if p.cut_link is not None:
            a, b = p.cut_link
            d[origin == a, b] = np.inf
    else:
        hops = rng.exponential(p.t_delay, (n_w, n - 1)) if p.t_delay else np.zeros((n_w, n - 1))
        arrive = t_write[:, None] + np.concatenate([np.zeros((n_w, 1)), np.cumsum(hops, axis=1)], 1)
        nodes = (origin[:, None] + np.arange(n)[None, :]) % n  # node reached after h hops
        blocked = np.zeros((n_w, n), dtype=bool)
        if p.cut_link is not None:
            a, _ = p.cut_link
            blocked[:, 1:] |= nodes[:, :-1] == a  # the hop leaving node a is cut
        if p.stopped_node is not None:
            blocked |= nodes == p.stopped_node
        blocked = np.logical_or.accumulate(blocked, axis=1)
        arrive[blocked] = np.inf
        d[np.arange(n_w)[:, None], nodes] = arrive
    if p.stopped_node is not None:
        d[:, p.stopped_node] = np.inf
    return d


def _causal_past(seen: np.ndarray) -> np.ndarray:
    """Reflexive-transitive closure of the direct "had seen" relation (boolean matrix).

    ``seen[i, j]`` means write ``i`` had reached write ``j``'s node before ``j`` was made, so
    ``i < j`` in time order and one pass over the columns in order suffices.
    """
    m = seen.shape[0]
    past = np.eye(m, dtype=bool)
    for j in range(m):
        direct = np.flatnonzero(seen[:j, j])
        if direct.size:
            past[:j, j] = past[:j, direct].any(axis=1)
    return past


def _displacers(idx, rank, delivered, origin, t_write) -> np.ndarray:
    """For each write of one key, the index (into ``idx``) of the write whose value replaced it
    at its own node, or -1 if it is still there at the end."""
    at = delivered[np.ix_(idx, origin[idx])]  # at[i, j]: arrival of write i at j's origin
    before = at < t_write[idx][None, :]
    higher = rank[:, None] > rank[None, :]
    held = np.where(before, rank[:, None], -1).max(axis=0)  # value held when j was written
    by_rank = np.empty(idx.size, dtype=int)
    by_rank[rank] = np.arange(idx.size)
    out = np.where(held > rank, by_rank[np.maximum(held, 0)], -1)
    later = np.where(higher & ~before & np.isfinite(at), at, np.inf)
    first = later.argmin(axis=0)
    has_later = np.isfinite(later.min(axis=0))
    return np.where(out >= 0, out, np.where(has_later, first, -1))


def simulate_multi_master(
    params: MultiMasterParams, *, rng: np.random.Generator
) -> MultiMasterResult:
    """Run a multi-master (mesh or ring) store for ``params.t_end`` seconds.

    >>> import numpy as np
    >>> run = simulate_multi_master(MultiMasterParams(t_skew=0.5), rng=np.random.default_rng(4))
    >>> run.converged, run.n_lost >= run.n_lost_to_earlier
    (True, True)
    """
    check_type("params", params, MultiMasterParams)
    check_rng(rng)
    p = params
    n = p.n_nodes
    live = np.ones(n, dtype=bool)
    if p.stopped_node is not None:
        live[p.stopped_node] = False
    writers = np.flatnonzero(live)
    n_w = rng.poisson(p.rate_writes * p.t_end)
    t_write = np.sort(rng.uniform(0.0, p.t_end, n_w))
    origin = writers[rng.integers(0, writers.size, n_w)]
    key = rng.integers(0, p.n_keys, n_w)
    offsets = np.linspace(-p.t_skew, p.t_skew, n)
    timestamp = t_write + offsets[origin]
    delivered = _deliveries(p, t_write, origin, rng)

    vv = np.zeros((n_w, n), dtype=int)
    lost = np.zeros(n_w, dtype=bool)
    lost_early = np.zeros(n_w, dtype=bool)
    concurrent = np.zeros(n_w, dtype=bool)
    winner = np.full((n, p.n_keys), -1)
    siblings = np.zeros((n, p.n_keys), dtype=int)
    for k in range(p.n_keys):
        idx = np.flatnonzero(key == k)  # in real-time order
        if idx.size == 0:
            continue
        at = delivered[np.ix_(idx, origin[idx])]
        seen = (at < t_write[idx][None, :]) & ~np.eye(idx.size, dtype=bool)
        past = _causal_past(seen)  # past[i, j]: write i is in j's causal past (or i == j)
        onehot = np.zeros((idx.size, n), dtype=np.float32)
        onehot[np.arange(idx.size), origin[idx]] = 1.0
        vv[idx] = np.rint(past.T.astype(np.float32) @ onehot).astype(int)
        hb = past & ~np.eye(idx.size, dtype=bool)  # i happened before j
        conc = ~(hb | hb.T) & ~np.eye(idx.size, dtype=bool)
        concurrent[idx] = conc.any(axis=1)
        rank = np.empty(idx.size, dtype=int)
        rank[np.lexsort((origin[idx], timestamp[idx]))] = np.arange(idx.size)
        disp = _displacers(idx, rank, delivered, origin, t_write)
        beaten = disp >= 0
        lost_here = beaten & ~hb[np.arange(idx.size), np.maximum(disp, 0)]
        lost[idx] = lost_here
        lost_early[idx] = lost_here & (t_write[idx[np.maximum(disp, 0)]] < t_write[idx])
        for node in np.flatnonzero(live):
            got = np.isfinite(delivered[idx, node])
            if not got.any():
                continue
            sub = idx[got]
            winner[node, k] = sub[np.lexsort((origin[sub], timestamp[sub]))[-1]]
            hb_sub = hb[np.ix_(got, got)]
            siblings[node, k] = int((~hb_sub.any(axis=1)).sum())
    return MultiMasterResult(
        p,
        t_write,
        origin,
        key,
        timestamp,
        vv,
        delivered,
        lost,
        lost_early,
        concurrent,
        winner,
        siblings,
        live,
    )
