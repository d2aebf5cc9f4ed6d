"""Practice designs graded by simulation: a URL shortener, a news feed and a chat service.

After the capstone (:mod:`scalelab.architecture`), three classic design problems, each walked
the same way: estimate the load from product numbers, choose a design (plain data), run it
through an evening of traffic with something broken, and grade it against four SLOs (latency,
availability, data lost, cost), one point each. Nothing here models a tier again: the pieces
are the course's own models (``scalelab.estimate``'s daily wave, ``scalelab.geo``'s round
trips, ``scalelab.queueing``'s M/M/c and bucketed queue, ``scalelab.cache``'s hit ratio,
``scalelab.sharding``'s hot keys, ``scalelab.load_balancer``'s policies), composed per problem.

Its modules (import from the package: ``from scalelab.practice import simulate_feed``):

- :mod:`~scalelab.practice.slos`: drills, SLO targets, a run and its check, shared by all three;
- :mod:`~scalelab.practice.shortener`: ids (counter ranges, random ids and the birthday bound,
  Snowflake), a key-value store behind a cache, 301 versus 302 and click analytics;
- :mod:`~scalelab.practice.feed`: fan-out on write, on read or hybrid, celebrities and hot keys;
- :mod:`~scalelab.practice.chat`: long-lived connections and the balancer, presence by
  heartbeats, ordering by queue partition, offline inboxes;
- :mod:`~scalelab.practice.scenarios`: a graded scenario and grading a design.

>>> from scalelab.practice import FeedDesign, Scenario, grade_design
>>> grade_design(FeedDesign(), [Scenario("quiet evening", seed=1)])
{'latency': True, 'availability': True, 'data_lost': True, 'cost': True}
"""

from __future__ import annotations

from scalelab.practice.chat import (
    CHAT_POLICIES,
    CHAT_TARGETS,
    INBOXES,
    N_CONN_SERVER,
    PARTITION_KEYS,
    PRICE_PARTITION_HOUR,
    RATE_CHAT_SERVER,
    RATE_INBOX_NODE,
    RATE_PARTITION,
    ChatDesign,
    ChatWorkload,
    chat_buckets,
    misorder_share,
    presence_rate,
    reconnect_peak,
    simulate_chat,
    simulate_ordering,
    simulate_reconnects,
    t_presence_detect,
)
from scalelab.practice.feed import (
    FANOUTS,
    FEED_TARGETS,
    N_FANOUT_BUFFER,
    N_FEEDS_PER_NODE,
    RATE_FANOUT_WORKER,
    RATE_FEED_SERVER,
    RATE_POSTS_NODE,
    FanoutCost,
    FeedDesign,
    FeedWorkload,
    FollowGraph,
    fanout_cost,
    feed_buckets,
    follow_graph,
    simulate_fanout,
    simulate_feed,
    timeline_load,
)
from scalelab.practice.scenarios import (
    PROBLEMS,
    Scenario,
    drill_table,
    grade_design,
    practice_drills,
    run_design,
    slo_results,
)
from scalelab.practice.shortener import (
    ID_SCHEMES,
    N_ALPHABET,
    N_LINKS_PER_CACHE_NODE,
    RATE_KV_READS,
    RATE_KV_WRITES,
    RATE_REDIRECT_SERVER,
    REDIRECTS,
    SHORTENER_TARGETS,
    ShortenerDesign,
    ShortenerWorkload,
    SnowflakeLayout,
    collision_probability,
    counter_rate,
    id_space,
    ids_for_collision,
    share_counted,
    shortener_buckets,
    simulate_clicks,
    simulate_collisions,
    simulate_shortener,
    snowflake_id,
    snowflake_parts,
)
from scalelab.practice.slos import (
    DRILLS,
    SITES,
    T_FAILOVER,
    T_LAG,
    T_WINDOW,
    Drill,
    PracticeRun,
    SLOCheck,
    Targets,
    check_targets,
)

__all__ = [
    "drill_table",
    "practice_drills",
    # slos
    "DRILLS", "SITES", "T_WINDOW", "T_FAILOVER", "T_LAG", "Drill", "Targets", "PracticeRun",
    "SLOCheck", "check_targets",
    # shortener
    "ID_SCHEMES", "REDIRECTS", "N_ALPHABET", "RATE_REDIRECT_SERVER", "RATE_KV_READS",
    "RATE_KV_WRITES", "N_LINKS_PER_CACHE_NODE", "SHORTENER_TARGETS", "id_space",
    "collision_probability", "ids_for_collision", "simulate_collisions", "SnowflakeLayout",
    "snowflake_id", "snowflake_parts", "counter_rate", "share_counted", "simulate_clicks",
    "ShortenerDesign", "ShortenerWorkload", "shortener_buckets", "simulate_shortener",
    # feed
    "FANOUTS", "RATE_FEED_SERVER", "RATE_FANOUT_WORKER", "RATE_POSTS_NODE", "N_FEEDS_PER_NODE",
    "N_FANOUT_BUFFER", "FEED_TARGETS", "FanoutCost", "fanout_cost", "FollowGraph",
    "follow_graph", "simulate_fanout", "timeline_load", "FeedDesign", "FeedWorkload",
    "feed_buckets", "simulate_feed",
    # chat
    "CHAT_POLICIES", "INBOXES", "PARTITION_KEYS", "N_CONN_SERVER", "RATE_CHAT_SERVER",
    "RATE_PARTITION", "RATE_INBOX_NODE", "PRICE_PARTITION_HOUR", "CHAT_TARGETS",
    "reconnect_peak", "simulate_reconnects", "presence_rate", "t_presence_detect",
    "misorder_share", "simulate_ordering", "ChatDesign", "ChatWorkload", "chat_buckets",
    "simulate_chat",
    # scenarios
    "PROBLEMS", "Scenario", "run_design", "grade_design", "slo_results",
]  # fmt: skip
