"""The capstone contract (``scalelab.buckets``): every tier's bucketed form has one shape, and
``architecture.simulate`` is a list of stages that a new tier joins without editing the others.

Forms are found by name: every public function called ``*_buckets`` in a ``scalelab`` model
module is a bucketed form and must follow the contract, so a new chapter's form is checked as
soon as it exists (and needs an example call in ``EXAMPLES``). The checker itself is tested on
forms that break each rule, so a test that cannot fail would show.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import types
import typing

import numpy as np
import pytest
import scalelab
from scalelab import architecture as ar
from scalelab.architecture import simulation
from scalelab.buckets import NOT_PER_BUCKET, Buckets, bucket_times
from scalelab.cache import CacheTier, cache_tier_buckets, zipf_popularity
from scalelab.cdn import CDN, Outage, cdn_buckets
from scalelab.dns import ResolverCache, resolver_buckets
from scalelab.geo import GeoRouting, default_world
from scalelab.load_balancer import ServerPool
from scalelab.practice import ChatDesign, Drill, FeedDesign, ShortenerDesign
from scalelab.queueing import WorkQueue, queue_buckets
from scalelab.replication import ReplicaSet
from scalelab.sessions import SessionTier
from scalelab.sharding import ShardedDatabase, shard_buckets

pytestmark = pytest.mark.lib

_MODELS = [
    m.name
    for m in pkgutil.walk_packages(scalelab.__path__, "scalelab.")
    if not m.name.startswith("scalelab.widgets")
]


def _find_forms() -> dict[str, typing.Callable]:
    """Every public ``*_buckets`` function, by the path of the module that defines it."""
    forms = {}
    for name in _MODELS:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if attr.endswith("_buckets") and inspect.isfunction(obj) and obj.__module__ == name:
                forms[f"{name}.{attr}"] = obj
    return forms


FORMS = _find_forms()

NINE = {
    "scalelab.dns.caching.resolver_buckets",
    "scalelab.cdn.drill.cdn_buckets",
    "scalelab.geo.failover.geo_buckets",
    "scalelab.load_balancer.buckets.pool_buckets",
    "scalelab.sessions.buckets.sessions_buckets",
    "scalelab.cache.tier.cache_tier_buckets",
    "scalelab.replication.capacity.replication_buckets",
    "scalelab.sharding.shard_buckets",
    "scalelab.queueing.fluid.queue_buckets",
}

_WORLD = default_world()

# One call per form: rate (requests/s, first axis the buckets) and t_bucket (s) -> its result.
EXAMPLES = {
    "resolver_buckets": lambda f, r, dt: f(r, dt, ResolverCache(t_ttl=30.0, n_resolvers=4)),
    "cdn_buckets": lambda f, r, dt: f(r * 10, dt, CDN(shield=True), outage=Outage(60.0, 240.0)),
    "geo_buckets": lambda f, r, dt: f(
        np.outer(r, _WORLD.demand / _WORLD.demand.sum()),
        dt,
        GeoRouting.from_world(_WORLD),
        up=np.ones((r.size, len(_WORLD.dcs)), bool),
    ),
    "pool_buckets": lambda f, r, dt: f(r / 10, dt, ServerPool(20.0, 10), n_up=4),
    "sessions_buckets": lambda f, r, dt: f(
        r / 10, dt, SessionTier(mode="sticky"), n_servers=np.arange(r.size) % 3 + 2
    ),
    "cache_tier_buckets": lambda f, r, dt: f(
        r, dt, CacheTier(2, 1_000), popularity=zipf_popularity(5_000, 0.9)
    ),
    "replication_buckets": lambda f, r, dt: f(r / 10, dt, ReplicaSet(), rate_reads=r),
    "shard_buckets": lambda f, r, dt: f(
        r, dt, ShardedDatabase(), rate_reads=r, rng=np.random.default_rng(1)
    ),
    "queue_buckets": lambda f, r, dt: f(r / 100, dt, WorkQueue(5.0), n_servers=3),
    "shortener_buckets": lambda f, r, dt: f(r * 10, dt, ShortenerDesign(), drill=Drill("node")),
    "feed_buckets": lambda f, r, dt: f(r * 2, dt, FeedDesign(), drill=Drill("datacenter")),
    "chat_buckets": lambda f, r, dt: f(r * 10, dt, ChatDesign(), drill=Drill("spike")),
}


# --- the checker ---------------------------------------------------------------------------


def _is_frozen_dataclass(cls) -> bool:
    return (
        isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    )


def _config_class(hint):
    """The dataclass a config parameter is annotated with (``CDN | None`` counts as ``CDN``)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return options[0] if len(options) == 1 else None
    return hint


def signature_problems(form) -> list[str]:
    """What in ``form``'s signature breaks the contract (empty: nothing)."""
    problems = []
    params = list(inspect.signature(form).parameters.values())
    try:
        hints = typing.get_type_hints(form)
    except Exception as exc:  # an annotation that names nothing
        return [f"annotations do not resolve: {exc}"]
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if len(params) < 3 or any(p.kind not in positional for p in params[:3]):
        return ["the first three parameters must be positional: rate, t_bucket, config"]
    rate, t_bucket, config = params[:3]
    if not (rate.name == "rate" or rate.name.startswith("rate_")):
        problems.append(f"the first parameter must be named rate or rate_<what>; got {rate.name}")
    if rate.default is not inspect.Parameter.empty:
        problems.append("rate must have no default")
    if t_bucket.name != "t_bucket" or hints.get("t_bucket") is not float:
        problems.append("the second parameter must be t_bucket: float (seconds)")
    if not _is_frozen_dataclass(_config_class(hints.get(config.name))):
        problems.append(f"the third parameter ({config.name}) must be a frozen dataclass")
    rest = params[3:]
    if any(p.kind is not inspect.Parameter.KEYWORD_ONLY for p in rest):
        problems.append("every parameter after the config must be keyword-only")
    names = [p.name for p in params]
    if "rng" in names:
        if names[-1] != "rng":
            problems.append("rng must be the last parameter")
        if hints.get("rng") is not np.random.Generator:
            problems.append("rng must be annotated numpy.random.Generator")
    result = hints.get("return")
    if not (isinstance(result, type) and issubclass(result, Buckets)):
        problems.append(f"the result must be a Buckets subclass; got {result!r}")
    elif not _is_frozen_dataclass(result):
        problems.append(f"the result {result.__name__} must be a frozen dataclass")
    return problems


def result_problems(form, example, n: int, t_bucket: float) -> list[str]:
    """What in ``form``'s result for ``n`` buckets breaks the contract (empty: nothing)."""
    rate = np.linspace(100.0, 2_000.0, n)
    out = example(form, rate, t_bucket)
    want = typing.get_type_hints(form).get("return")
    if not isinstance(out, Buckets):
        return [f"returned a {type(out).__name__}, not a Buckets"]
    problems = []
    if type(out) is not want:
        problems.append(f"returned a {type(out).__name__}; its annotation says {want}")
    t = np.asarray(out.t)
    if t.shape != (n,):
        problems.append(f"t must hold one start time per bucket ({n}); got shape {t.shape}")
    elif not np.array_equal(t, bucket_times(n, t_bucket)):
        problems.append(f"t must be 0, t_bucket, 2 t_bucket, ...; got {t[:3].tolist()}...")
    if type(out.t_bucket) is not float or out.t_bucket != t_bucket:
        problems.append(f"t_bucket must be the float {t_bucket}; got {out.t_bucket!r}")
    for f in dataclasses.fields(out):
        value = getattr(out, f.name)
        if f.name in ("t", "t_bucket") or not isinstance(value, np.ndarray) or value.ndim == 0:
            continue
        if f.metadata.get("per_bucket", True) and value.shape[0] != n:
            problems.append(f"{f.name} must have the {n} buckets first; got shape {value.shape}")
    return problems


# --- the checker can fail --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Config:
    x: float = 1.0


@dataclasses.dataclass(frozen=True)
class _Result(Buckets):
    y: np.ndarray


def _good(rate, t_bucket: float, config: _Config, *, rng: np.random.Generator) -> _Result:
    r = np.asarray(rate, dtype=float)
    return _Result(r * config.x, t=bucket_times(r.size, t_bucket), t_bucket=float(t_bucket))


def _offered_first(offered, t_bucket: float, config: _Config) -> _Result: ...
def _no_t_bucket(rate, dt: float, config: _Config) -> _Result: ...
def _loose_config(rate, t_bucket: float, config: dict) -> _Result: ...
def _positional_rest(rate, t_bucket: float, config: _Config, n_up) -> _Result: ...
def _rng_first(
    rate, t_bucket: float, config: _Config, *, rng: np.random.Generator, x=1
) -> _Result: ...  # noqa: E501
def _plain_result(rate, t_bucket: float, config: _Config) -> dict: ...


@pytest.mark.parametrize(
    ("form", "rule"),
    [
        (_offered_first, "rate or rate_<what>"),
        (_no_t_bucket, "t_bucket: float"),
        (_loose_config, "frozen dataclass"),
        (_positional_rest, "keyword-only"),
        (_rng_first, "rng must be the last"),
        (_plain_result, "Buckets subclass"),
    ],
)
def test_the_signature_check_catches_each_broken_rule(form, rule):
    """A form breaking one rule is caught, by that rule."""
    problems = signature_problems(form)
    assert any(rule in p for p in problems), problems
    assert signature_problems(_good) == []


def test_the_result_check_catches_wrong_times_and_axes():
    """A result with its own clock, or an array not per bucket, is caught."""

    def shifted(f, r, dt):
        out = f(r, dt, _Config(), rng=np.random.default_rng(0))
        return dataclasses.replace(out, t=out.t + 1.0)

    def short(f, r, dt):
        out = f(r, dt, _Config(), rng=np.random.default_rng(0))
        return dataclasses.replace(out, y=out.y[:-1])

    good = lambda f, r, dt: f(r, dt, _Config(), rng=np.random.default_rng(0))  # noqa: E731
    assert result_problems(_good, good, 5, 60.0) == []
    assert any("t must be 0" in p for p in result_problems(_good, shifted, 5, 60.0))
    assert any("y must have the 5 buckets" in p for p in result_problems(_good, short, 5, 60.0))


# --- every tier's form -----------------------------------------------------------------------


def test_the_nine_tiers_forms_are_found():
    """The capstone's nine forms are all found by name (a rename would hide one)."""
    assert NINE <= set(FORMS), sorted(NINE - set(FORMS))


@pytest.mark.parametrize("path", sorted(FORMS))
def test_every_form_has_the_contracts_signature(path):
    """rate..., t_bucket: float, a frozen config dataclass, the rest keyword-only, rng last;
    the result a frozen Buckets dataclass."""
    assert signature_problems(FORMS[path]) == [], path


@pytest.mark.parametrize("path", sorted(FORMS))
@pytest.mark.parametrize(("n", "t_bucket"), [(1, 60.0), (7, 0.5)])
def test_every_forms_result_has_the_buckets_times(path, n, t_bucket):
    """t has one start time per bucket of the rate (0, t_bucket, ...), t_bucket is the float
    passed, and every array is per bucket unless its field says otherwise."""
    name = path.rsplit(".", 1)[1]
    assert name in EXAMPLES, f"add an example call of {path} to EXAMPLES"
    assert result_problems(FORMS[path], EXAMPLES[name], n, t_bucket) == [], path


def test_fields_that_are_not_per_bucket_say_so():
    """The one field that is not per bucket today (each shard's share) carries the marker."""
    from scalelab.sharding import ShardLoad

    marked = {f.name for f in dataclasses.fields(ShardLoad) if f.metadata == NOT_PER_BUCKET}
    assert marked == {"shares"}


# --- architecture.simulate is its stages -------------------------------------------------------


def test_every_stage_takes_and_returns_a_day():
    """Each stage is a documented function from a Day to a Day, listed once."""
    assert len(set(ar.STAGES)) == len(ar.STAGES)
    for stage in ar.STAGES:
        params = list(inspect.signature(stage).parameters.values())
        hints = typing.get_type_hints(stage)
        assert len(params) == 1 and hints.get(params[0].name) is ar.Day, stage.__name__
        assert hints.get("return") is ar.Day, stage.__name__
        assert (stage.__doc__ or "").strip(), f"{stage.__name__} has no docstring"


def test_every_tier_stage_calls_a_bucketed_form_and_keeps_its_result():
    """Each tier's result in Run.parts follows the contract, on the run's buckets."""
    run = ar.simulate(ar.Design(), ar.Workload(), t_end=600.0, rng=np.random.default_rng(3))
    tiers = {k: v for k, v in run.parts.items() if k not in ("rate", "reads", "writes")}
    assert set(tiers) == {"dns", "cdn", "geo", "pool", "sessions", "cache", "shards", "jobs"}
    for name, part in tiers.items():
        for p in part if isinstance(part, list) else [part]:
            assert isinstance(p, Buckets), name
            assert p.n_buckets == run.t.size and p.t_bucket == run.t_bucket, name
            np.testing.assert_array_equal(p.t, run.t - run.t[0])


def test_simulate_runs_the_stages_in_order(monkeypatch):
    """simulate is the loop over STAGES: each stage runs once, in the listed order."""
    seen = []

    def traced(stage):
        def run(day: ar.Day) -> ar.Day:
            seen.append(stage.__name__)
            return stage(day)

        return run

    monkeypatch.setattr(simulation, "STAGES", tuple(traced(s) for s in ar.STAGES))
    ar.simulate(ar.Design(), ar.Workload(), t_end=600.0, rng=np.random.default_rng(3))
    assert seen == [s.__name__ for s in ar.STAGES]


def test_a_new_tier_is_one_more_stage(monkeypatch):
    """A toy tier (a rate limiter that turns away 1 % of requests, costs $2/h, adds 1 ms and
    emits a metric) joins by being listed; nothing else changes and the run picks it up."""

    def _limiter(day: ar.Day) -> ar.Day:
        turned_away = 0.01 * day.rate
        return day.add(
            parts={"limiter": turned_away},
            failed=(turned_away,),
            costs=(np.full(day.n_buckets, 2.0),),
            t_added=(0.001,),
            metrics={"rate_limited": turned_away},
        )

    def run():
        return ar.simulate(ar.Design(), ar.Workload(), t_end=1_800.0, rng=np.random.default_rng(4))

    before = run()
    stages = list(ar.STAGES)
    stages.insert(stages.index(simulation._errors), _limiter)
    monkeypatch.setattr(simulation, "STAGES", tuple(stages))
    after = run()
    np.testing.assert_allclose(after.rate_failed, before.rate_failed + 0.01 * before.rate_offered)
    np.testing.assert_allclose(after.cost_per_hour, before.cost_per_hour + 2.0)
    assert np.all(after.p50 > before.p50)
    assert "rate_limited" in after.metrics and "limiter" in after.parts
    np.testing.assert_array_equal(after.parts["cache"].hit_ratio, before.parts["cache"].hit_ratio)


# --- the names before the contract, kept for notebooks of an older release -------------------

OLD_NAMES = [
    (
        "scalelab.dns",
        "resolver_cache_buckets",
        lambda f: f([0.0, 1.0, 10.0], 3600.0, 9.0, n_resolvers=2),
        lambda: resolver_buckets([0.0, 1.0, 10.0], 3600.0, ResolverCache(9.0, n_resolvers=2)),
    ),
    (
        "scalelab.cdn",
        "simulate_cdn_buckets",
        lambda f: f([10_000.0] * 6, 600.0, CDN(), outage=Outage(1_200, 2_400), strategy="none"),
        lambda: cdn_buckets(
            [10_000.0] * 6, 600.0, CDN(), outage=Outage(1_200, 2_400), strategy="none"
        ),
    ),
    (
        "scalelab.cache",
        "simulate_cache_tier",
        lambda f: f([4_000.0] * 4, 0.5, CacheTier(2, 1_000), zipf_popularity(5_000, 0.9)),
        lambda: cache_tier_buckets(
            [4_000.0] * 4, 0.5, CacheTier(2, 1_000), popularity=zipf_popularity(5_000, 0.9)
        ),
    ),
    (
        "scalelab.queueing",
        "fluid_queue",
        lambda f: f([3.5, 9.0, 0.0], 60.0, 1.0, 4, n_buffer=100),
        lambda: queue_buckets([3.5, 9.0, 0.0], 60.0, WorkQueue(1.0, 100), n_servers=4),
    ),
    (
        "scalelab.sharding",
        "simulate_shard_load",
        lambda f: f(
            ShardedDatabase(), [800.0, 900.0], [10.0, 20.0], 60.0, np.random.default_rng(2)
        ),
        lambda: shard_buckets(
            [800.0, 900.0],
            60.0,
            ShardedDatabase(),
            rate_reads=[10.0, 20.0],
            rng=np.random.default_rng(2),
        ),
    ),
]


@pytest.mark.parametrize(("module", "old", "call_old", "call_new"), OLD_NAMES)
def test_old_names_still_work_deprecated_and_outside_all(module, old, call_old, call_new):
    """An older release's notebook imports the old name and calls it the old way: the same
    result as the form, a DeprecationWarning, and the name stays out of ``__all__``."""
    mod = importlib.import_module(module)
    assert old not in mod.__all__
    with pytest.warns(DeprecationWarning, match=old):
        got = call_old(getattr(mod, old))
    want = call_new()
    for f in dataclasses.fields(want):
        np.testing.assert_array_equal(getattr(got, f.name), getattr(want, f.name), err_msg=f.name)


def test_a_stage_cannot_replace_what_another_handed_on():
    """Stages only add: a value already handed on, or a name of the day's own, is refused."""
    day = ar.Day(ar.Design(), ar.Workload(), (), 0.0, bucket_times(3, 60.0), 60.0, None)
    day = day.add(to_web=np.ones(3))
    for name in ("to_web", "t", "window", "n_buckets"):
        with pytest.raises(ValueError, match="taken"):
            day.add(**{name: 0})
    with pytest.raises(AttributeError, match="no stage so far"):
        day.not_yet  # noqa: B018


# --- vectorised forms against the loops they replaced ---------------------------------------


def test_pool_buckets_equal_one_mmck_call_per_bucket():
    """Every bucket's queue at once: the same numbers as one mmck call per bucket."""
    from scalelab.load_balancer import pool_buckets
    from scalelab.queueing import mmck, mmck_drop_probability

    rng = np.random.default_rng(4)
    rate = rng.uniform(0, 6_000, (200, 3))
    rate[:5] = 0.0
    n_up = rng.integers(0, 20, (200, 3))
    for model in ("random", "pooled"):
        pool = ServerPool(250.0, 20, model, 0.1)
        got = pool_buckets(rate, 60.0, pool, n_up=n_up, n_in_view=n_up + 1)
        to_up = np.divide(rate * n_up, n_up + 1)
        for b in zip(*np.nonzero((n_up > 0) & (to_up > 0)), strict=True):
            c = int(n_up[b])
            lam, srv, buf = (to_up[b] / c, 1, 19) if model == "random" else (to_up[b], c, 19 * c)
            blocked = mmck_drop_probability(lam, 250.0, srv, buf)
            assert got.rate_served[b] == to_up[b] * (1.0 - blocked)
            assert got.t_response_mean[b] == mmck(lam, 250.0, srv, buf).t_response


def test_health_marks_equal_the_step_by_step_loop():
    """The health checker's view, all checks at once: the loop's marks exactly."""
    from scalelab.geo import health_marks

    def reference(up, t_step, t_check, n_fail, n_ok, up_before=None):
        every = max(1, int(round(t_check / t_step)))
        per_step = max(1, int(t_step // t_check))
        marked = np.empty_like(up)
        state = up[0].copy() if up_before is None else np.asarray(up_before, bool).copy()
        bad = np.zeros(up.shape[1], dtype=int)
        good = np.zeros(up.shape[1], dtype=int)
        for i in range(up.shape[0]):
            if i % every == 0:
                bad = np.where(up[i], 0, bad + per_step)
                good = np.where(up[i], good + per_step, 0)
                state = np.where(state & (bad >= n_fail), False, state)
                state = np.where(~state & (good >= n_ok), True, state)
            marked[i] = state
        return marked

    rng = np.random.default_rng(8)
    for t_step, t_check in [(60, 10), (10, 10), (1, 7), (5, 60)]:
        for n_fail, n_ok in [(1, 1), (3, 2), (7, 5)]:
            up = rng.random((200, 3)) > rng.choice([0.05, 0.5])
            for before in (None, [True, False, True]):
                want = reference(up, t_step, t_check, n_fail, n_ok, before)
                got = health_marks(up, t_step, t_check, n_fail, n_ok, up_before=before)
                assert np.array_equal(got, want)


@pytest.mark.parametrize("strategy", ["origin", "redundant", "multi-cdn"])
def test_cdn_caches_all_at_once_equal_the_bucket_by_bucket_loop(monkeypatch, strategy):
    """Without repeated buckets the caches' recursions run apart; the combined loop (kept for
    inputs that repeat, where a bucket can be skipped) gives the same numbers bit for bit."""
    from scalelab.cdn import drill

    rate = np.random.default_rng(6).uniform(2_000, 20_000, 90)
    for cdn in (CDN(), CDN(shield=True)):
        for outage in (None, Outage(1_800, 5_400), Outage(600, 4_000, regions=("europe",))):
            kw = dict(outage=outage, strategy=strategy, p_second=0.3)
            fast = cdn_buckets(rate, 120.0, cdn, **kw)
            with monkeypatch.context() as mp:  # every bucket "repeats": the combined loop
                mp.setattr(drill, "_rows_repeat", lambda x: np.ones(x.shape[0] - 1, dtype=bool))
                loop = cdn_buckets(rate, 120.0, cdn, **kw)
            for f in dataclasses.fields(fast):
                a, b = getattr(fast, f.name), getattr(loop, f.name)
                if isinstance(a, np.ndarray):
                    assert np.array_equal(a, b, equal_nan=True), f.name
