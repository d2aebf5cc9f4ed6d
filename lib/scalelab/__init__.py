"""scalelab: small, seeded, pure models of the parts of a web system that grows to millions.

One module per concept, named from the field. Import what you need explicitly, for example
``from scalelab.queueing import erlang_c``. A model that grew past one concept is a package of
concept-sized modules (``scalelab.queueing.erlang``, ``scalelab.cache.eviction``, ...) whose
``__init__`` re-exports its ``__all__``: import from the package, not the submodule. Models
(each added by its chapter):

- ``validate``       argument checks that name the parameter and the allowed range
- ``checks``         helpers used by the graded test cells (plain values, partial credit)
- ``estimate``       back-of-the-envelope figures: QPS, storage, bandwidth, latency numbers
- ``product``        the running product, Shutterstall: its stages and each chapter's bottleneck
- ``dns``, ``http``  a toy DNS with a caching resolver; one web server (01)
- ``load_balancer``  servers behind a load balancer (02)
- ``replication``    primary/replicas, failover, multi-master with LWW, rings (03, 04)
- ``quorum``         leaderless quorums, failure detection, split brain and fencing (05)
- ``netsim``         a seeded message-passing network, protocol builds and checkers (06)
- ``cache``, ``cdn`` eviction policies, miss-ratio curves; edges, shields, outages (07, 08)
- ``sessions``       stateful vs stateless web tiers (09)
- ``geo``            GeoDNS and several data centers (10)
- ``queueing``       M/M/c analytics, fast simulation, the fluid queue (11)
- ``messaging``      message queues: delivery guarantees, autoscaling consumers (11)
- ``overload``       retries, metastable failure, rate limits, queue discipline, the tail (12)
- ``sharding``       hash-mod-N and consistent hashing (13)
- ``architecture``   the whole system, composed (14)
- ``practice``       practice designs graded by simulation: shortener, feed, chat (15-17)
- ``widgets``        thin ipywidgets + plotly views over the models

Randomness is always passed in as a ``numpy.random.Generator``; nothing is seeded on import.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
