"""Validation as data: every parameter dataclass declares its fields' bounds with ``param``.

For every public dataclass of every model whose fields carry ``param`` metadata (a parameter
class; result classes carry none), each bounded field is tried just outside each bound (a
``ValueError`` naming the field and the value) and just inside (accepted), from the class's
defaults plus the few required arguments in ``REQUIRED``. Classes named ``*Params`` and the
documented parameter classes in ``PARAMETER_CLASSES`` must declare every numeric field.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import pkgutil
import re

import numpy as np
import pytest
import scalelab
from scalelab.validate import (
    PARAM,
    check_array,
    check_type,
    param,
    validate_fields,
)

pytestmark = pytest.mark.lib

MODELS = sorted(
    m.name
    for m in pkgutil.walk_packages(scalelab.__path__, "scalelab.")
    if not m.name.startswith("scalelab.widgets")
)


def _public_dataclasses():
    seen = {}
    for mod_name in MODELS:
        mod = importlib.import_module(mod_name)
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name, None)
            if isinstance(obj, type) and dataclasses.is_dataclass(obj):
                seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [seen[k] for k in sorted(seen)]


DATACLASSES = _public_dataclasses()
PARAM_CLASSES = [c for c in DATACLASSES if any(PARAM in f.metadata for f in dataclasses.fields(c))]

# The parameter classes the chapters and the capstone document (AUTHORING.md, "The model").
PARAMETER_CLASSES = {
    "ServerPool", "CacheTier", "CDN", "Outage", "GeoRouting", "ReplicaSet", "SessionTier",
    "ShardedDatabase", "WorkQueue", "ResolverCache", "QueryStream", "ArrivalProcess", "Design",
    "Workload", "Failure", "SLO", "AlertRule", "Product", "Plan", "Delay", "Quorum",
    "HeartbeatDetector", "ServiceTime", "LeafLatency", "Spike", "Server", "ClientPolicy",
}  # fmt: skip

# Numeric fields checked by hand, with why (a sequence or a value whose range needs other fields).
BY_HAND = {
    "PoolParams": {"rate_service": "a number or one per server", "weights": "one per server",
                   "t_join": "one per server"},
    "ServiceTime": {"shape": "its lower bound depends on kind"},
    "Quorum": {"n_read": "at most n_replicas", "n_write": "at most n_replicas"},
    "Spike": {"t_end": "after the spike"},
    "Server": {"t_codel_interval": "at least t_codel_target"},
    "ClientPolicy": {"t_backoff_cap": "at least t_backoff_base"},
    "ReplicationParams": {"t_replica_fail": "at most t_end"},
    "MultiMasterParams": {"stopped_node": "below n_nodes"},
    "SessionParams": {"t_bucket": "at most t_end", "n_max": "at least n_min",
                      "t_autoscale": "at least t_bucket", "t_store_down": "given with t_store_up",
                      "t_store_up": "after t_store_down", "t_session": "inf allowed"},
    "Failure": {"t_end": "after t_start"},
    "FailoverParams": {"dc": "below the world's number of DCs", "t_fail": "at most t_end",
                       "t_recover": "after t_fail"},
    "Outage": {"t_end": "after t_start", "t_up": "after t_down"},
    "GeoRouting": {"t_rtt": "a matrix", "rate_capacity": "one per DC"},
    "Namespace": {"t_rtt": "a mapping or a function"},
}  # fmt: skip

# Parameter classes checked when the run starts (by their ``validate``, which calls
# ``validate_fields``), not at construction: how to run that check.
LATE = {
    "FailoverParams": lambda p: p.validate(3),  # a drill needs the world's number of DCs
    "SyncParams": lambda p: p.validate(),
}

# New parameter classes another engineer is adding as this test is written: convert them next.
IN_PROGRESS = {
    "DeadServerParams": "scalelab.load_balancer.failure_modes (new)",
    "SemiSyncParams": "scalelab.replication.semisync (new)",
}

# Required arguments (no default) of the parameter classes, and companions a bound needs.
REQUIRED = {
    "ServerPool": {"rate_service": 100.0, "n_queue_max": 10},
    "WorkQueue": {"rate_service": 100.0},
    "QueryStream": {"rate_queries": 10.0},
    "ResolverCache": {"t_ttl": 60.0},
    "GeoRouting": {"t_rtt": ((0.01, 0.1), (0.1, 0.01)), "rate_capacity": (100.0, 100.0)},
    "PoolParams": {"rate": 5.0, "n_servers": 2},
    "Outage": {"server": 0, "t_down": 1.0},
    "Failure": {"kind": "server", "t_start": 0.0, "t_end": 10.0},
    "AlertRule": {"metric": "p_error", "threshold": 0.1},
    "Response": {"status": 200, "content_type": "text/plain", "body": ""},
    "Record": {"name": "www.example.com", "rtype": "A", "t_ttl": 60, "value": "192.0.2.1"},
    "Zone": {"origin": ".", "records": ()},
    "Namespace": {"zones": None},  # filled in below: needs a root zone
}
COMPANIONS = {
    ("Quorum", "n_replicas"): {"n_read": 1, "n_write": 1},
    ("Failure", "t_start"): {"t_end": 1e9},
    ("SessionParams", "n_min"): {"n_max": 1000},
    ("FailoverParams", "t_end"): {"t_fail": 0.0, "t_recover": 0.0, "t_step": 3600.0},
    ("SyncParams", "rate_writes"): {"t_fail": 1.0},
    ("SyncParams", "t_fail"): {"rate_writes": 1.0},
    ("SessionParams", "t_end"): {"t_bucket": 1e-4, "t_autoscale": 1e-4},
}


def _required(cls) -> dict:
    kwargs = dict(REQUIRED.get(cls.__name__, {}))
    if cls.__name__ == "Namespace":
        from scalelab.dns import Zone

        kwargs["zones"] = {".": Zone(".", ())}
    if cls.__name__ == "Outage" and "t_start" in {f.name for f in dataclasses.fields(cls)}:
        kwargs = {}  # the CDN's outage has defaults for everything
    return kwargs


def _cases():
    out = []
    for cls in PARAM_CLASSES:
        for f in dataclasses.fields(cls):
            facts = f.metadata.get(PARAM)
            if facts and (facts["low"] is not None or facts["high"] is not None):
                out.append(pytest.param(cls, f.name, facts, id=f"{cls.__name__}.{f.name}"))
    return out


def _step(value, kind) -> float:
    return 1 if kind == "int" else 1e-3 * max(1.0, abs(value))


def _outside_and_inside(facts):
    kind = facts["kind"]
    pairs = []
    for side, sign in (("low", -1), ("high", 1)):
        bound = facts[side]
        if bound is None:
            continue
        is_open = facts[f"{side}_open"]
        bad = bound if is_open else bound + sign * _step(bound, kind)
        good = bound - sign * _step(bound, kind) if is_open else bound
        if kind == "int":
            bad, good = int(bad), int(good)
        pairs.append((side, bad, good))
    return pairs


def _make(cls, name, value):
    kwargs = {**_required(cls), **COMPANIONS.get((cls.__name__, name), {}), name: value}
    obj = cls(**kwargs)
    LATE.get(cls.__name__, lambda p: None)(obj)
    return obj


def test_there_are_parameter_classes_to_check():
    names = {c.__name__ for c in PARAM_CLASSES}
    assert len(PARAM_CLASSES) >= 30, names
    assert {"ServerPool", "PoolParams", "CacheTier", "CDN", "Design"} <= names


@pytest.mark.parametrize("cls, name, facts", _cases())
def test_each_bound_rejects_just_outside_and_accepts_just_inside(cls, name, facts):
    for side, bad, good in _outside_and_inside(facts):
        with pytest.raises(ValueError) as err:
            _make(cls, name, bad)
        message = str(err.value)
        assert name in message, f"{cls.__name__}.{name} {side}: {message}"
        assert repr(bad) in message or str(bad) in message, f"{cls.__name__}.{name}: {message}"
        obj = _make(cls, name, good)
        assert getattr(obj, name) == good


@pytest.mark.parametrize("cls", PARAM_CLASSES, ids=lambda c: c.__name__)
def test_every_param_has_a_doc_and_a_known_kind(cls):
    for f in dataclasses.fields(cls):
        facts = f.metadata.get(PARAM)
        if facts is None:
            continue
        assert facts["doc"].strip(), f"{cls.__name__}.{f.name} has no doc"
        assert "\n" not in facts["doc"], f"{cls.__name__}.{f.name}: doc must be one line"
        if f.name.startswith("t_"):
            assert facts["unit"] == "s", f"{cls.__name__}.{f.name}: a time is in seconds"
        if f.name.startswith("rate"):
            assert facts["unit"].endswith("/s"), f"{cls.__name__}.{f.name}: a rate is per second"
        if f.name.startswith("p_"):
            assert facts["low"] is not None and facts["low"] >= 0, f"{cls.__name__}.{f.name}"
            assert facts["high"] is not None and facts["high"] <= 1, f"{cls.__name__}.{f.name}"


def _is_numeric(annotation) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return bool(re.fullmatch(r"(int|float)( \| None)?", text))


def _parameter_classes():
    return [
        c
        for c in DATACLASSES
        if (c.__name__.endswith("Params") or c.__name__ in PARAMETER_CLASSES)
        and c.__name__ not in IN_PROGRESS
    ]


@pytest.mark.parametrize("cls", _parameter_classes(), ids=lambda c: c.__name__)
def test_parameter_classes_declare_their_numeric_fields(cls):
    by_hand = BY_HAND.get(cls.__name__, {})
    missing = [
        f.name
        for f in dataclasses.fields(cls)
        if f.init and _is_numeric(f.type) and PARAM not in f.metadata and f.name not in by_hand
    ]
    assert not missing, f"{cls.__name__}: declare {missing} with scalelab.validate.param"
    checker = cls.validate if cls.__name__ in LATE else cls.__post_init__
    assert "validate_fields" in checker.__code__.co_names, cls.__name__


def test_validate_fields_coerces_whole_numbers_and_skips_none_defaults():
    @dataclasses.dataclass(frozen=True)
    class Toy:
        n: int = param(1, kind="int", low=1, doc="a count")
        t: float | None = param(None, low=0, doc="a time", unit="s")
        on: bool = param(True, kind="bool", doc="a switch")
        mode: str = param("a", kind="choice", choices=("a", "b"), doc="a mode")

        def __post_init__(self):
            validate_fields(self)

    toy = Toy(n=np.int64(3))
    assert type(toy.n) is int and toy.t is None
    with pytest.raises(ValueError, match=r"t must be >= 0; got -1"):
        Toy(t=-1)
    with pytest.raises(ValueError, match=r"on must be True or False; got 1"):
        Toy(on=1)
    with pytest.raises(ValueError, match=r"mode must be one of 'a', 'b'; got 'c'"):
        Toy(mode="c")
    with pytest.raises(ValueError, match=r"n must be a whole number >= 1; got 2.5"):
        Toy(n=2.5)


def test_check_array_names_what_it_expected_and_what_it_got():
    assert check_array("rate", [0, 1.5], low=0).tolist() == [0.0, 1.5]
    assert check_array("up", np.ones((2, 3)), ndim=2).shape == (2, 3)
    assert check_array("rate", [], nonempty=False).shape == (0,)
    with pytest.raises(
        ValueError, match=r"^rate must be a non-empty 1-d array .*; got shape \(3, 2\)$"
    ):
        check_array("rate", np.ones((3, 2)), low=0)
    with pytest.raises(ValueError, match=r"got shape \(0,\)$"):
        check_array("rate", [])
    with pytest.raises(ValueError, match=r"requests/s >= 0; got -5.0 at index 7$"):
        check_array("rate", [1.0] * 7 + [-5.0], low=0, unit="requests/s")
    with pytest.raises(ValueError, match=r"got nan at index 1$"):
        check_array("rate", [1.0, math.nan])
    with pytest.raises(ValueError, match=r"2-d array .* in \[0, 1\]; got 2.0 at index \(1, 0\)$"):
        check_array("p", [[0.5, 0.5], [2.0, 0.1]], ndim=2, low=0, high=1)
    with pytest.raises(ValueError, match=r"1-d or 2-d array"):
        check_array("rate", 3.0, ndim=(1, 2))
    with pytest.raises(ValueError, match=r"got 'abc'"):
        check_array("rate", "abc")


def test_check_type_names_the_class_and_what_came_instead():
    assert check_type("x", 3, int) == 3
    assert check_type("x", None, (int, None)) is None
    with pytest.raises(ValueError, match=r"^pool must be a ServerPool; got int 3$"):
        from scalelab.load_balancer import ServerPool

        check_type("pool", 3, ServerPool)
    with pytest.raises(ValueError, match=r"outage must be an Outage or None; got str 'x'"):
        from scalelab.cdn import Outage

        check_type("outage", "x", (Outage, None))
