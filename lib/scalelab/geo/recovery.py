"""Disaster recovery across two regions: what a replication mode and a failover policy promise.

The picture. A product runs in a primary region and keeps a standby region. Two targets say
what a regional disaster may cost: the **recovery point objective** (RPO), how many seconds of
acknowledged writes may be lost, and the **recovery time objective** (RTO), how long writes may
be unavailable before the standby takes over. A third target, the write-latency SLO, says how
long a user may wait for a write to be acknowledged. Two choices meet them:

- **Replication.** *Asynchronous*: a write is acknowledged after its local commit and shipped
  to the standby in the background, so a disaster loses the writes of the last replication lag
  (the RPO achieved is the lag) and writes stay fast. *Synchronous*: a write is acknowledged
  only once the standby has it, so nothing acknowledged is lost (RPO 0) and every write pays
  one inter-region round trip.
- **Failover.** *Automatic*: health checks detect the failure and the standby is promoted
  without a person, then clients move as their DNS answers expire (detection + promotion +
  TTL). *Manual*: an on-call engineer is paged, confirms the region is really gone and runs the
  runbook (a human decision + promotion + TTL). Manual is slower but never fails over on a
  false alarm or a network partition, where an automatic failover with asynchronous replication
  would throw away the in-flight writes and leave two primaries.

Simplifications: one standby region; the achieved RPO of asynchronous replication is taken as
its typical lag (the worst case is longer); promotion, detection and the human decision are
fixed durations; a synchronous write waits exactly one round trip; a partition that makes a
synchronous primary stop taking writes is not modelled. Times in seconds.

>>> out = recovery_outcome("sync", "automatic", RecoveryTargets(t_rpo=0, t_rto=300, t_write_max=0.2))
>>> out.met
{'rpo': True, 'rto': True, 'write_latency': True}
"""

from __future__ import annotations

from dataclasses import dataclass

from scalelab.geo.world import BACKBONE_RTT, REGIONS
from scalelab.validate import check_choice, check_number

__all__ = [
    "REPLICATION_MODES",
    "FAILOVER_POLICIES",
    "RegionPair",
    "RecoveryTargets",
    "RecoveryOutcome",
    "recovery_outcome",
]

REPLICATION_MODES = ("async", "sync")
"""Cross-region replication: acknowledge after the local commit, or after the standby has it."""

FAILOVER_POLICIES = ("manual", "automatic")
"""Who promotes the standby region: an on-call engineer, or the health checks."""


@dataclass(frozen=True)
class RegionPair:
    """A primary and a standby region (times in s).

    ``t_rtt``: round trip between them (default Virginia-Frankfurt, 90 ms, from
    ``BACKBONE_RTT``); ``t_write_local``: a write's local commit; ``t_lag``: the typical lag of
    asynchronous replication (chapter 10's drill: half a batch + one way + queueing, about
    0.5 s); ``t_detect``: health checks to declare the region dead (3 failed probes 10 s
    apart); ``t_promote``: promoting the standby's database (managed databases quote one to two
    minutes); ``t_ttl``: the DNS TTL clients wait out; ``t_manual``: paging a person, who
    confirms and starts the runbook (illustrative; the page alone is often 5-15 minutes).
    """

    t_rtt: float = float(BACKBONE_RTT[REGIONS.index("na-east"), REGIONS.index("europe")])
    t_write_local: float = 0.005
    t_lag: float = 0.5
    t_detect: float = 30.0
    t_promote: float = 60.0
    t_ttl: float = 60.0
    t_manual: float = 1_800.0

    def __post_init__(self):
        for name in (
            "t_rtt",
            "t_write_local",
            "t_lag",
            "t_detect",
            "t_promote",
            "t_ttl",
            "t_manual",
        ):
            check_number(name, getattr(self, name), low=0)


@dataclass(frozen=True)
class RecoveryTargets:
    """What a regional disaster may cost: ``t_rpo`` seconds of acknowledged writes lost (0:
    none), ``t_rto`` seconds without writes, and ``t_write_max`` the write-latency SLO (s)."""

    t_rpo: float
    t_rto: float
    t_write_max: float

    def __post_init__(self):
        check_number("t_rpo", self.t_rpo, low=0)
        check_number("t_rto", self.t_rto, low=0)
        check_number("t_write_max", self.t_write_max, low=0, low_open=True)


@dataclass(frozen=True)
class RecoveryOutcome:
    """What a plan achieves: ``t_data_loss`` (s of writes lost, the achieved RPO),
    ``t_recovery`` (s without writes, the achieved RTO), ``t_write`` (s per acknowledged
    write) and ``met``, target name -> bool (``"rpo"``, ``"rto"``, ``"write_latency"``)."""

    t_data_loss: float
    t_recovery: float
    t_write: float
    met: dict


def recovery_outcome(
    replication: str, failover: str, targets: RecoveryTargets, pair: RegionPair | None = None
) -> RecoveryOutcome:
    """The data loss (s), recovery time (s) and write latency (s) of one plan, and which of
    ``targets`` it meets (a target met exactly counts as met).

    >>> out = recovery_outcome("async", "manual", RecoveryTargets(1.0, 3600.0, 0.05))
    >>> out.t_data_loss, out.t_recovery, out.t_write
    (0.5, 1920.0, 0.005)
    """
    check_choice("replication", replication, REPLICATION_MODES)
    check_choice("failover", failover, FAILOVER_POLICIES)
    pair = RegionPair() if pair is None else pair
    if replication == "sync":
        t_data_loss, t_write = 0.0, pair.t_write_local + pair.t_rtt
    else:
        t_data_loss, t_write = pair.t_lag, pair.t_write_local
    t_decide = pair.t_detect if failover == "automatic" else pair.t_manual
    t_recovery = t_decide + pair.t_promote + pair.t_ttl
    met = {
        "rpo": t_data_loss <= targets.t_rpo,
        "rto": t_recovery <= targets.t_rto,
        "write_latency": t_write <= targets.t_write_max,
    }
    return RecoveryOutcome(t_data_loss, t_recovery, t_write, met)
