"""A chat service: long-lived connections, presence, ordered delivery, offline inboxes.

The picture. Every online user keeps one connection (a WebSocket) open to a connection server;
a message goes from the sender's server through a message queue to the recipient's server and
down the recipient's connection, or, if the recipient is offline, into an inbox until they come
back. Four ideas:

- **Connections are long-lived**, so a balancer's choice sticks for hours. After one server
  restarts, its users reconnect at once: round robin spreads them over all servers and leaves
  the restarted one nearly empty and the others fuller by ``1/n``
  (:func:`reconnect_peak`), least connections sends them to the empty one and the fleet is even
  again (checked against :func:`simulate_reconnects`, which calls chapter 02's
  ``scalelab.load_balancer.round_robin`` and ``least_connections``).
- **Presence by heartbeats**: each client pings every ``t_heartbeat`` s and is shown offline
  after ``n_missed`` silent periods: :func:`presence_rate` pings/s, and
  :func:`t_presence_detect`, how long a vanished user still looks online.
- **Order per conversation**: a queue partition delivers in order, so keying messages by
  conversation keeps each conversation in order; spreading them at random over partitions
  that lag differently reorders some (:func:`misorder_share`, closed form, checked against
  :func:`simulate_ordering`).
- **Offline delivery and regions**: an inbox in a server's memory is lost with the server; one
  in a replicated store is not (the replication chapter's lag decides the rest).

:func:`simulate_chat` runs a :class:`ChatDesign` through the evening window of a
:class:`ChatWorkload` with a :class:`~scalelab.practice.Drill` (``"node"``: one connection
server restarts). Messages are the requests; a message fails when its sender has no connection
or a server is over capacity; data lost counts messages lost from inboxes and in failovers.
Simplifications: the restarted server is back after a minute; every server has the same mix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalelab.architecture import PRICE_DB_HOUR, PRICE_SERVER_HOUR
from scalelab.buckets import bucket_times
from scalelab.estimate import SECONDS_PER_DAY
from scalelab.geo import BACKBONE_RTT, REGIONS
from scalelab.load_balancer import ALB_PRICE_PER_HOUR, least_connections, round_robin
from scalelab.practice.slos import (
    SITES,
    Drill,
    PracticeRun,
    Targets,
    _lost_on_failover,
    _pool,
    _regions,
    _window,
    _writes_failing,
)
from scalelab.queueing import WorkQueue, queue_buckets
from scalelab.validate import (
    check_array,
    check_choice,
    check_int,
    check_number,
    check_rng,
    check_type,
    param,
    validate_fields,
)

__all__ = [
    "CHAT_POLICIES",
    "INBOXES",
    "PARTITION_KEYS",
    "N_CONN_SERVER",
    "RATE_CHAT_SERVER",
    "RATE_PARTITION",
    "RATE_INBOX_NODE",
    "PRICE_PARTITION_HOUR",
    "CHAT_TARGETS",
    "reconnect_peak",
    "simulate_reconnects",
    "presence_rate",
    "t_presence_detect",
    "misorder_share",
    "simulate_ordering",
    "ChatDesign",
    "ChatWorkload",
    "chat_buckets",
    "simulate_chat",
]

CHAT_POLICIES = ("round_robin", "least_connections")
"""How the balancer places a new connection (chapter 02's policies)."""

INBOXES = ("memory", "store")
"""Where messages for offline users wait: in the connection server's memory, or in a
replicated store."""

PARTITION_KEYS = ("conversation", "random")
"""How messages are spread over queue partitions: by conversation (one partition per
conversation: in order) or at random."""

N_CONN_SERVER = 50_000
"""Open connections one connection server holds (memory for buffers and TLS state;
illustrative: far below what tuned servers reach, well past the C10K problem of 1999)."""

RATE_CHAT_SERVER = 20_000.0
"""Messages/s one connection server handles, in or out, heartbeats included (illustrative)."""

RATE_PARTITION = 5_000.0
"""Messages/s one queue partition carries (illustrative)."""

RATE_INBOX_NODE = 5_000.0
"""Inbox writes/s one store node takes (illustrative)."""

PRICE_PARTITION_HOUR = 0.05
"""$/h of one queue partition's share of a broker (illustrative)."""

CHAT_TARGETS = Targets(
    p99_max=0.5, p_buckets=0.99, availability_min=0.995, data_lost_max=1_000.0, cost_max_hour=30.0
)
"""The chat service's SLOs: p99 delivery within 500 ms in 99 % of minutes, 99.5 % of messages
accepted, at most 1,000 messages lost, at most $30 an hour."""

_T_RESTART = 60.0  # seconds a restarted connection server is away
_N_BUFFER = 10_000_000  # messages the queue holds


def reconnect_peak(n_servers: int, policy: str) -> float:
    """The fullest server's connections over the mean after one of ``n_servers`` equally full
    servers restarts and its users reconnect: ``1 + 1/n`` with round robin (each server gets
    ``1/n`` of the returning users), 1 with least connections (they all go to the empty one).

    >>> reconnect_peak(10, "round_robin"), reconnect_peak(10, "least_connections")
    (1.1, 1.0)
    """
    n_servers = check_int("n_servers", n_servers, low=1, high=100_000)
    policy = check_choice("policy", policy, CHAT_POLICIES)
    return 1.0 + 1.0 / n_servers if policy == "round_robin" else 1.0


def simulate_reconnects(n_servers: int, n_connections: int, policy: str, *, rng) -> float:
    """The fullest server over the mean after server 0 of ``n_servers`` (each holding
    ``n_connections / n_servers``) restarts and its users reconnect through ``policy``
    (chapter 02's ``round_robin`` from a random start, or ``least_connections``).

    >>> simulate_reconnects(10, 10_000, "round_robin", rng=np.random.default_rng(1))
    1.1
    """
    n_servers = check_int("n_servers", n_servers, low=1, high=1_000)
    n_connections = check_int("n_connections", n_connections, low=n_servers, high=10_000_000)
    policy = check_choice("policy", policy, CHAT_POLICIES)
    rng = check_rng(rng)
    active = np.full(n_servers, n_connections // n_servers)
    returning = int(active[0])
    active[0] = 0
    healthy = [True] * n_servers
    if policy == "round_robin":
        start = int(rng.integers(0, n_servers))
        picks = round_robin(returning + start, healthy)[start:]
        active += np.bincount(picks, minlength=n_servers)
    else:
        counts = active.tolist()
        for _ in range(returning):
            counts[least_connections(counts, healthy)] += 1
        active = np.array(counts)
    return float(active.max() / active.mean())


def presence_rate(n_online: float, t_heartbeat: float) -> float:
    """Heartbeats/s that ``n_online`` connected users send, one every ``t_heartbeat`` s.

    >>> presence_rate(10e6, 30.0)
    333333.3333333333
    """
    n_online = check_number("n_online", n_online, low=0)
    return n_online / check_number("t_heartbeat", t_heartbeat, low=0, low_open=True)


def t_presence_detect(t_heartbeat: float, n_missed: int = 2) -> float:
    """Mean seconds a user who vanished still shows as online, when presence marks a user
    offline after ``n_missed`` heartbeat periods without one: ``(n_missed + 1/2) t_heartbeat``
    (they vanish, on average, half a period after their last heartbeat).

    >>> t_presence_detect(30.0, 2)
    75.0
    """
    t_heartbeat = check_number("t_heartbeat", t_heartbeat, low=0, low_open=True)
    return (check_int("n_missed", n_missed, low=1, high=1_000) + 0.5) * t_heartbeat


def misorder_share(n_partitions: int, t_gap: float, t_lag: float, key: str) -> float:
    """Share of a conversation's consecutive messages delivered in the wrong order when each
    partition lags by its own exponential delay of mean ``t_lag`` s and messages follow each
    other after exponential gaps of mean ``t_gap`` s. By conversation: 0 (one partition, in
    order). At random: the pair lands on two partitions with probability ``1 - 1/n``, and then
    the later message overtakes when the lag difference (Laplace) beats the gap:
    ``(1 - 1/n) t_lag / (2 (t_lag + t_gap))``.

    >>> round(misorder_share(8, 1.0, 0.5, "random"), 4)
    0.1458
    """
    n = check_int("n_partitions", n_partitions, low=1, high=100_000)
    t_gap = check_number("t_gap", t_gap, low=0, low_open=True)
    t_lag = check_number("t_lag", t_lag, low=0)
    if check_choice("key", key, PARTITION_KEYS) == "conversation":
        return 0.0
    return (1 - 1 / n) * t_lag / (2 * (t_lag + t_gap))


def simulate_ordering(
    n_partitions: int, t_gap: float, t_lag: float, key: str, n_messages: int = 100_000, *, rng
) -> float:
    """:func:`misorder_share` measured: ``n_messages`` messages of one conversation, gaps
    exponential (mean ``t_gap`` s), each message on its conversation's partition or a random one,
    a partition's lag exponential (mean ``t_lag`` s, drawn afresh for each pair); the share of
    consecutive pairs that arrive out of order (a partition keeps its own order).

    >>> round(simulate_ordering(8, 1.0, 0.5, "random", rng=np.random.default_rng(1)), 3)
    0.143
    """
    n = check_int("n_partitions", n_partitions, low=1, high=100_000)
    t_gap = check_number("t_gap", t_gap, low=0, low_open=True)
    t_lag = check_number("t_lag", t_lag, low=0)
    key = check_choice("key", key, PARTITION_KEYS)
    n_messages = check_int("n_messages", n_messages, low=2, high=10_000_000)
    rng = check_rng(rng)
    gap = rng.exponential(t_gap, n_messages - 1)
    if key == "conversation":
        return 0.0  # one partition delivers in the order it received
    first, second = rng.integers(0, n, (2, n_messages - 1))
    lag_first, lag_second = rng.exponential(t_lag, (2, n_messages - 1)) if t_lag > 0 else (0, 0)
    overtakes = (first != second) & (gap + lag_second < lag_first)
    return float(np.mean(overtakes))


@dataclass(frozen=True)
class ChatDesign:
    """A chat service, as plain data.

    ``n_regions`` data centres (``scalelab.practice.SITES``) with GeoDNS of TTL ``t_dns_ttl``;
    ``n_servers`` connection servers per region (``N_CONN_SERVER`` connections and
    ``RATE_CHAT_SERVER`` messages/s each) behind a balancer with ``lb_policy``
    (``CHAT_POLICIES``); heartbeats every ``t_heartbeat`` s; ``n_partitions`` queue
    partitions; offline messages in ``inbox`` (``INBOXES``), a store of ``n_shards`` nodes with
    ``n_replicas`` replicas in other regions, written synchronously when ``sync_writes``.

    >>> round(ChatDesign().cost_per_hour(), 2)
    16.97
    """

    n_regions: int = param(2, kind="int", low=1, high=len(SITES), doc="data-centre regions")
    t_dns_ttl: float = param(60.0, low=0, high=86_400, doc="GeoDNS answers' TTL", unit="s")
    n_servers: int = param(40, kind="int", low=1, high=2_000, doc="connection servers per region")
    lb_policy: str = param(
        "round_robin", kind="choice", choices=CHAT_POLICIES, doc="how connections are placed"
    )
    t_heartbeat: float = param(30.0, low=1, high=3_600, doc="time between heartbeats", unit="s")
    n_partitions: int = param(16, kind="int", low=1, high=4_096, doc="queue partitions")
    inbox: str = param("memory", kind="choice", choices=INBOXES, doc="where offline messages wait")
    n_shards: int = param(4, kind="int", low=1, high=256, doc="inbox store nodes")
    n_replicas: int = param(1, kind="int", low=0, high=5, doc="replicas per store node")
    sync_writes: bool = param(False, kind="bool", doc="an inbox write waits for one replica")

    def __post_init__(self):
        validate_fields(self)

    def cost_per_hour(self) -> float:
        """Hourly price ($/h): connection servers and a balancer per region, queue partitions,
        and the inbox store when the inbox is in one."""
        store = (
            self.n_shards * (1 + self.n_replicas) * PRICE_DB_HOUR if self.inbox == "store" else 0.0
        )
        return (
            self.n_regions * (self.n_servers * PRICE_SERVER_HOUR + ALB_PRICE_PER_HOUR)
            + self.n_partitions * PRICE_PARTITION_HOUR
            + store
        )


@dataclass(frozen=True)
class ChatWorkload:
    """A chat service's traffic: ``daily_users`` each sending ``messages_per_user`` a day; at
    the peak ``p_online`` of them are connected; ``p_offline`` of messages find their
    recipient offline, who returns after ``t_offline`` s on average; the daily wave peaks at
    ``peak_factor`` times the mean, with ``noise``.

    >>> round(ChatWorkload().rate_messages)
    9259
    """

    daily_users: float = param(20e6, low=1, high=1e10, doc="users active each day")
    messages_per_user: float = param(40.0, low=0, high=10_000, doc="messages per user per day")
    p_online: float = param(0.1, kind="probability", doc="share of users connected at the peak")
    p_offline: float = param(0.2, kind="probability", doc="share of messages to offline users")
    t_offline: float = param(
        3_600.0, low=0, high=SECONDS_PER_DAY, doc="time until they return", unit="s"
    )
    peak_factor: float = param(2.0, low=1, high=3, doc="peak rate over the mean")
    noise: float = param(0.02, low=0, high=0.5, doc="standard deviation of the noise")

    def __post_init__(self):
        validate_fields(self)

    @property
    def rate_messages(self) -> float:
        """Messages per second, on average over the day."""
        return self.daily_users * self.messages_per_user / SECONDS_PER_DAY


def simulate_chat(
    design: ChatDesign,
    workload: ChatWorkload,
    drill: Drill | None = None,
    *,
    t_bucket: float = 60.0,
    rng,
) -> PracticeRun:
    """The evening window (19:00-21:00) of ``workload`` through ``design`` with ``drill``.

    Connections follow the daily wave and the region GeoDNS picks; each region's servers hold
    them (round robin leaves the fullest server ``1 + 1/n`` times the mean after a restart) and
    carry messages twice (in and out) plus heartbeats; messages cross the queue's partitions;
    offline recipients' messages wait in the inbox. Data lost: inbox messages on a server or in
    a region that is lost, and inbox writes lost in a failover.

    >>> run = simulate_chat(ChatDesign(), ChatWorkload(), rng=np.random.default_rng(1))
    >>> run.n_buckets, round(run.availability, 4), round(float(run.p99.max()), 3)
    (120, 1.0, 0.265)
    """
    check_type("design", design, ChatDesign)
    w = check_type("workload", workload, ChatWorkload)
    drill = check_type("drill", drill, (Drill, None)) or Drill("none")
    t_bucket = check_number("t_bucket", t_bucket, low=1, high=3_600)
    _, msgs = _window(w.rate_messages, w.peak_factor, drill, w.noise, t_bucket, rng)
    return chat_buckets(msgs, t_bucket, design, workload=w, drill=drill)


def chat_buckets(
    rate_messages,
    t_bucket: float,
    design: ChatDesign,
    *,
    workload: ChatWorkload | None = None,
    drill: Drill | None = None,
) -> PracticeRun:
    """The chat service's bucketed form (the capstone contract): ``rate_messages`` (messages/s
    offered in each bucket of ``t_bucket`` s, the first starting at 19:00, where a drill's
    times start; connections follow them over ``workload``'s peak) through ``design``, with
    ``workload``'s other numbers (users online, offline share; its default if ``None``) and
    ``drill`` (``None``: nothing breaks). :func:`simulate_chat` draws the evening's messages
    and calls it.

    >>> run = chat_buckets(np.full(3, 15_000.0), 60.0, ChatDesign())
    >>> run.n_buckets, round(run.availability, 4), round(float(run.cost_per_hour[0]), 2)
    (3, 1.0, 16.97)
    """
    d = check_type("design", design, ChatDesign)
    w = check_type("workload", workload, (ChatWorkload, None)) or ChatWorkload()
    drill = check_type("drill", drill, (Drill, None)) or Drill("none")
    t_bucket = check_number("t_bucket", t_bucket, low=0, low_open=True, high=3_600)
    msgs = check_array("rate_messages", rate_messages, ndim=1, low=0, unit="requests/s")
    t = bucket_times(msgs.size, t_bucket)
    spike = (
        drill.share_active(t, t_bucket) * (drill.spike_factor - 1) if drill.kind == "spike" else 0
    )
    # connections follow the daily wave; a spike is more messages from the same people
    conns = w.daily_users * w.p_online * msgs / (1 + spike) / (w.rate_messages * w.peak_factor)
    loads, failed, rtt99, down = _regions(msgs, t, t_bucket, d.n_regions, drill, d.t_dns_ttl)
    node = drill.share_active(t, t_bucket) if drill.kind == "node" else np.zeros_like(msgs)
    after = drill.share_active(t, t_bucket, delay=_T_RESTART) if drill.kind == "node" else node
    away = node - after  # the restarted server's users, reconnecting
    t_server = np.zeros_like(msgs)
    rho_web = np.zeros_like(msgs)  # the busiest region's servers: load over capacity
    for k in range(d.n_regions):
        share = loads[:, k] / np.maximum(msgs, 1e-12)
        region_conns = conns * share
        peak = reconnect_peak(d.n_servers, d.lb_policy) if k == 0 else 1.0
        per_server = region_conns / d.n_servers * (1 + (peak - 1) * (after > 0))
        p_refused = np.clip(1 - N_CONN_SERVER / np.maximum(per_server, 1e-12), 0.0, 1.0)
        if k == 0 and drill.kind == "node":
            p_refused = p_refused + (1 - p_refused) * away / d.n_servers
        beats = region_conns / d.t_heartbeat
        f, t99 = _pool(2 * loads[:, k] + beats, d.n_servers, RATE_CHAT_SERVER)
        rho_web = np.maximum(rho_web, (2 * loads[:, k] + beats) / (d.n_servers * RATE_CHAT_SERVER))
        p_fail = np.clip(p_refused + f / np.maximum(2 * loads[:, k] + beats, 1e-12), 0.0, 1.0)
        failed = failed + loads[:, k] * p_fail
        t_server = np.maximum(t_server, np.where(loads[:, k] > 0, t99, 0.0))
    ok = msgs - np.minimum(failed, msgs)
    queue = queue_buckets(
        ok, t_bucket, WorkQueue(RATE_PARTITION, _N_BUFFER), n_servers=d.n_partitions
    )
    # the recipient's region: messages between users of two sites cross the backbone
    shares = loads.mean(axis=0) / max(float(loads.mean(axis=0).sum()), 1e-12)
    cross = 1.0 - float(np.sum(shares**2))
    sites = [REGIONS.index(s) for s in SITES[: d.n_regions]]
    t_cross = max(BACKBONE_RTT[a, b] for a in sites for b in sites) / 2 if cross >= 0.01 else 0.0
    p99 = rtt99 + 2 * t_server + t_cross + queue.t_wait  # half a round trip at each end
    # offline messages: a server's memory, or a replicated store
    offline = ok * w.p_offline
    pending = offline * w.t_offline  # messages waiting in inboxes
    lost = np.zeros_like(msgs) + queue.dropped
    starts_node = np.diff(np.r_[0.0, (node > 0).astype(float)]) > 0
    starts_dc = np.diff(np.r_[0.0, (down > 0).astype(float)]) > 0
    if d.inbox == "memory":
        share0 = loads[:, 0] / np.maximum(msgs, 1e-12)
        lost = lost + np.where(starts_node, pending * share0 / d.n_servers, 0.0)
        lost = lost + np.where(starts_dc, pending * share0, 0.0)
    else:
        lost = lost + _lost_on_failover(offline, down, d.n_regions, d.n_replicas, d.sync_writes)
        wfail = _writes_failing(down, t, t_bucket, drill, d.n_regions, d.n_replicas)
        store_over = np.clip(offline - d.n_shards * RATE_INBOX_NODE, 0.0, None)
        failed = failed + offline * wfail + store_over
    return PracticeRun(
        t=t,
        t_bucket=t_bucket,
        rate_offered=msgs,
        rate_failed=np.minimum(failed, msgs),
        p99=p99,
        data_lost=lost,
        cost_per_hour=np.full(t.shape, d.cost_per_hour()),
        metrics={
            "connections": conns,
            "backlog": queue.backlog,
            "rate_offline": offline,
            "rho_web": rho_web,
        },
    )
