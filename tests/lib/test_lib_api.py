"""The library's public API: every module's ``__all__`` exists, is documented, and is the API.

SimPy's habit: the names a module documents as public are exactly its ``__all__``. Here that
means, for every ``scalelab`` module: each name in ``__all__`` exists and has a docstring (a
constant: a string right after it, or a comment right above it naming its source); every public
function or class a module defines is in its ``__all__`` or listed below as deliberately left
out; and a model split into a package (``scalelab.queueing`` with ``erlang``, ``simulation``, ...)
re-exports exactly its submodules' ``__all__``, so ``from scalelab.queueing import erlang_c``
works wherever the function lives. Names a package kept importable from before its split, but
outside ``__all__``, are listed in ``KEPT``.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
import types

import pytest
import scalelab

pytestmark = pytest.mark.lib

MODULES = sorted(
    ["scalelab", *(m.name for m in pkgutil.walk_packages(scalelab.__path__, "scalelab."))]
)
MODELS = [m for m in MODULES if m != "scalelab" and not m.startswith("scalelab.widgets")]
PACKAGES = [m for m in MODELS if hasattr(importlib.import_module(m), "__path__")]

NOT_EXPORTED = {
    # module: {public-looking function or class: why it is not in __all__}
    "scalelab.messaging": {
        "check_probability_pair": "the argument check deliver_at_least_once shares; not a model",
    },
}

UNDOCUMENTED = {
    # module: constants in __all__ without a docstring yet (widgets are outside the split)
    "scalelab.widgets.replication": {"NODE_NAMES"},
}

KEPT = {
    # package: public names importable from it as before the split, outside its __all__
    "scalelab.queueing": {"RHO_CAP"},
    "scalelab.cdn": {"EDGE", "SHIELD", "ORIGIN_TIER"},
    "scalelab.dns": {"AnswerPolicy"},
    "scalelab.load_balancer": {"Policy"},
    "scalelab.architecture": {
        "T_LAG",
        "MU_DB",
        "RATE_STATIC_ORIGIN",
        "KB_STATIC",
        "N_QUEUE_MAX",
        "N_SESSIONS_PER_SERVER",
    },
}

ROLE = re.compile(r":(func|class|data|mod|exc):`~?([\w.]+)`")


def _module(name: str) -> types.ModuleType:
    return importlib.import_module(name)


def _submodules(package: str) -> list[types.ModuleType]:
    pkg = _module(package)
    return [_module(f"{package}.{m.name}") for m in pkgutil.iter_modules(pkg.__path__)]


def _has_value_docstring(module: types.ModuleType, name: str) -> bool:
    """Is ``name`` assigned in ``module``'s source with a string right after it or a comment
    right above it? Names the module imports are looked up where they come from."""
    source = inspect.getsource(module)
    lines = source.splitlines()
    body = ast.parse(source).body
    for i, node in enumerate(body):
        if isinstance(node, ast.ImportFrom) and any(
            (a.asname or a.name) == name for a in node.names
        ):
            return _has_value_docstring(_module(node.module), name)
        if isinstance(node, ast.Assign):
            targets = [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        else:
            continue
        if name in targets:
            after = body[i + 1] if i + 1 < len(body) else None
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                return isinstance(after.value.value, str) and bool(after.value.value.strip())
            above = node.lineno - 2  # a comment above it, or above the block it is part of
            while above >= 0 and lines[above].strip() and not lines[above].startswith("#"):
                above -= 1
            return above >= 0 and lines[above].startswith("#")
    return False


def _defined_here(module: types.ModuleType) -> dict[str, object]:
    """The public functions and classes whose home is ``module``."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    }


def _resolves(module: types.ModuleType, target: str) -> bool:
    """Does a docstring reference (``name``, ``Class.attr`` or ``scalelab.x.y``) exist?"""
    if target.startswith("scalelab"):
        parts = target.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj = _module(".".join(parts[:cut]))
            except ImportError:
                continue
            for part in parts[cut:]:
                if not hasattr(obj, part):
                    return False
                obj = getattr(obj, part)
            return True
        return False
    obj = module
    for part in target.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def _docstrings(module: types.ModuleType):
    """(where, docstring) of the module and of every function and class it defines."""
    yield module.__name__, module.__doc__ or ""
    for name, obj in vars(module).items():
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if obj.__module__ != module.__name__:
            continue
        yield name, obj.__doc__ or ""
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                if inspect.isfunction(value) or isinstance(value, property):
                    yield f"{name}.{attr}", value.__doc__ or ""


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_names_that_exist_and_are_documented(name):
    """Every name in ``__all__`` exists, once, and has a docstring."""
    module = _module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    names = list(module.__all__)
    assert len(names) == len(set(names)), f"{name}.__all__ lists a name twice"
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ lists names it does not define: {missing}"
    undocumented = []
    for n in names:
        obj = getattr(module, n)
        if n == "__version__" or n in UNDOCUMENTED.get(name, ()):
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            if not (obj.__doc__ or "").strip():
                undocumented.append(n)
        elif not _has_value_docstring(module, n):
            undocumented.append(n)
    assert not undocumented, f"{name}: no docstring for {undocumented}"


@pytest.mark.parametrize("name", MODULES)
def test_every_public_definition_is_in_all_or_deliberately_left_out(name):
    """The documented API equals ``__all__``: nothing public is defined outside it."""
    module = _module(name)
    public = set(_defined_here(module))
    left_out = set(NOT_EXPORTED.get(name, {}))
    assert left_out <= public, f"NOT_EXPORTED names {sorted(left_out - public)} gone from {name}"
    stray = sorted(public - set(module.__all__) - left_out)
    assert not stray, (
        f"{name} defines public {stray} outside its __all__: add them to __all__, give them a "
        "leading underscore, or list them in NOT_EXPORTED with the reason"
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_package_reexports_exactly_its_submodules_all(package):
    """A package's ``__all__`` is its submodules' ``__all__`` together, each name the same object."""
    pkg = _module(package)
    owners: dict[str, str] = {}
    for sub in _submodules(package):
        assert hasattr(sub, "__all__"), f"{sub.__name__} has no __all__"
        for n in sub.__all__:
            assert n not in owners, f"{n} is exported by both {owners[n]} and {sub.__name__}"
            owners[n] = sub.__name__
    assert sorted(pkg.__all__) == sorted(owners), (
        f"{package}.__all__ differs from its submodules' __all__: only in the package "
        f"{sorted(set(pkg.__all__) - set(owners))}, only in submodules "
        f"{sorted(set(owners) - set(pkg.__all__))}"
    )
    for n, owner in owners.items():
        assert getattr(pkg, n) is getattr(_module(owner), n), f"{package}.{n} is not {owner}.{n}"


@pytest.mark.parametrize("package", PACKAGES)
def test_package_namespace_holds_only_its_api_and_the_names_kept(package):
    """Public names a package offers beyond ``__all__`` are only its submodules and ``KEPT``."""
    pkg = _module(package)
    submodules = {m.__name__.rsplit(".", 1)[1] for m in _submodules(package)}
    extra = {
        n
        for n, obj in vars(pkg).items()
        if not n.startswith("_") and n != "annotations" and not isinstance(obj, types.ModuleType)
    } - set(pkg.__all__)
    assert extra == KEPT.get(package, set()), (
        f"{package} offers {sorted(extra)} outside __all__; KEPT lists "
        f"{sorted(KEPT.get(package, set()))}"
    )
    clash = submodules & (set(pkg.__all__) | KEPT.get(package, set()))
    assert not clash, f"{package}: a submodule shadows the name {sorted(clash)}"


def test_queueing_still_offers_chapter_09s_message_queue_names():
    """``from scalelab.queueing import simulate_consumers`` works as before the split."""
    import scalelab.messaging as messaging
    import scalelab.queueing as queueing

    names = set(queueing._MESSAGING)
    assert names == set(messaging.__all__) | set(NOT_EXPORTED["scalelab.messaging"])
    for n in names:
        assert getattr(queueing, n) is getattr(messaging, n), n
        assert n in dir(queueing), n
    assert not names & set(queueing.__all__)
    with pytest.raises(AttributeError):
        queueing.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", MODULES)
def test_docstring_references_resolve(name):
    """``:func:`x``` and friends in a module's docstrings name something that exists there (a
    function that moved to another submodule must be referred to by its package path)."""
    module = _module(name)
    broken = [
        f"{where}: :{role}:`{target}`"
        for where, text in _docstrings(module)
        for role, target in ROLE.findall(text)
        if not _resolves(module, target)
    ]
    assert not broken, f"{name}: references to nothing: {broken}"


def test_models_import_neither_widgets_nor_coursekit():
    """Data flows one way: a model never imports a widget, ``scalelab`` never imports coursekit."""
    bad = []
    for name in MODULES:
        module = _module(name)
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                targets = [node.module or ""]
                targets += [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for t in targets:
                if t.startswith("coursekit") or (
                    name in MODELS and t.startswith("scalelab.widgets")
                ):
                    bad.append(f"{name} imports {t}")
    assert not bad, bad


def test_every_model_imports_first_in_a_fresh_interpreter():
    """No import circle: each model imports on its own, whichever is imported first."""
    code = (
        "import importlib, sys\n"
        f"for name in {MODELS!r}:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('scalelab')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_library_disabled_reaches_the_submodules_that_call_the_name():
    """Switching off ``scalelab.queueing.erlang_c`` stops ``mmc`` too, which calls it from its
    own submodule, as when queueing was one module; a chapter 11 name switched off through
    ``scalelab.queueing`` is off in ``scalelab.messaging``; all is back afterwards."""
    from scalelab.checks import library_disabled
    from scalelab.messaging import credit_once
    from scalelab.queueing import mmc

    with library_disabled("scalelab.queueing.erlang_c", "scalelab.queueing.credit_once"):
        with pytest.raises(RuntimeError, match="switched off"):
            mmc(3.5, 1.0, 4)
        with pytest.raises(RuntimeError, match="switched off"):
            _module("scalelab.messaging").credit_once({"id": "a"}, {})
    assert round(mmc(3.5, 1.0, 4).p_wait, 4) == 0.7379
    assert _module("scalelab.messaging").credit_once is credit_once
    assert _module("scalelab.queueing.erlang").erlang_c is _module("scalelab.queueing").erlang_c


# --------------------------------------------------------------------------------------------
# One vocabulary (docs/AUTHORING.md, "Vocabulary"; issue #22)
# --------------------------------------------------------------------------------------------

FORBIDDEN_NAME = re.compile(
    r"^(lam|mu|c|capacity|offered|throughput|utilisation|rates)$|_rps$|_qps$|_ms$|^mu_"
)
"""Parameter and field names the vocabulary replaced: rates are ``rate``/``rate_<what>``,
server counts ``n_servers``, a cache's size ``n_capacity``, times ``t_<what>`` in seconds,
utilisation ``rho``/``rho_<what>``."""

RNG_EXEMPT = {
    # the argument check whose subject is the generator itself, like check_number(name, value)
    "scalelab.validate.check_rng",
}


def _public_signatures():
    """(where, callable) of every public function, class and public method that a model
    module (not the widgets) defines, each once."""
    seen = set()
    for name in MODELS:
        module = _module(name)
        for obj_name, obj in _defined_here(module).items():
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            where = f"{name}.{obj_name}"
            yield where, obj
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if inspect.isfunction(value) and not attr.startswith("_"):
                        yield f"{where}.{attr}", value


def _parameters(obj) -> list[inspect.Parameter]:
    try:
        return [p for p in inspect.signature(obj).parameters.values() if p.name != "self"]
    except (TypeError, ValueError):  # a builtin or an exception class without a signature
        return []


def test_public_names_follow_the_vocabulary():
    """No public parameter or dataclass field of a model uses a name the vocabulary replaced."""
    bad = []
    for where, obj in _public_signatures():
        names = [p.name for p in _parameters(obj)]
        if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
            names += [f.name for f in dataclasses.fields(obj)]
        bad += [f"{where}: {n}" for n in sorted(set(names)) if FORBIDDEN_NAME.search(n)]
    assert not bad, "names outside the vocabulary (docs/AUTHORING.md):\n" + "\n".join(bad)


def test_rng_is_the_last_parameter_and_keyword_only():
    """``rng`` comes last and keyword-only (``def f(rate, *, n=None, rng)``); only a
    ``**kwargs`` may follow it. Dataclass fields are exempt."""
    bad = []
    for where, obj in _public_signatures():
        if where in RNG_EXEMPT or (inspect.isclass(obj) and dataclasses.is_dataclass(obj)):
            continue
        params = _parameters(obj)
        names = [p.name for p in params]
        if "rng" not in names:
            continue
        i = names.index("rng")
        after = [p for p in params[i + 1 :] if p.kind is not inspect.Parameter.VAR_KEYWORD]
        if params[i].kind is not inspect.Parameter.KEYWORD_ONLY or after:
            bad.append(f"{where}{inspect.signature(obj)}")
    assert not bad, "rng must be the last parameter, keyword-only:\n" + "\n".join(bad)


DEPRECATED_ALIASES = [
    # (module, old name, its replacement, a call on the old and on the new name that agree)
    ("scalelab.estimate", "average_qps", "average_rate", lambda f: f(86_400, 2)),
    ("scalelab.estimate", "peak_qps", "peak_rate", lambda f: f(1_000.0, 3.0)),
    (
        "scalelab.geo",
        "mean_rtt_ms",
        "mean_rtt",
        lambda f: f([1, 3], [[20, 100], [100, 20]], [0, 0]),
    ),
]


@pytest.mark.parametrize(("module", "old", "new", "call"), DEPRECATED_ALIASES)
def test_renamed_functions_still_import_deprecated(module, old, new, call):
    """A name renamed to the vocabulary stays importable (outside ``__all__``), with a
    ``DeprecationWarning``, and does what the new name does."""
    mod = _module(module)
    assert old not in mod.__all__ and new in mod.__all__
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated; use {new}"):
        exec(f"from {module} import {old} as alias", namespace := {})  # noqa: S102
    assert call(namespace["alias"]) == call(getattr(mod, new))


def test_geo_names_in_milliseconds_keep_their_milliseconds_deprecated():
    """``scalelab.geo``'s old millisecond names still give milliseconds (deprecated); the new
    names give seconds."""
    import scalelab.geo as geo

    with pytest.warns(DeprecationWarning, match="BACKBONE_RTT_MS is deprecated"):
        backbone_ms = geo.BACKBONE_RTT_MS
    assert backbone_ms.ravel().tolist() == pytest.approx((geo.BACKBONE_RTT * 1000).ravel().tolist())
    with pytest.warns(DeprecationWarning, match="T_ACCESS_MS is deprecated"):
        assert geo.T_ACCESS_MS == pytest.approx(20.0) and geo.T_ACCESS == pytest.approx(0.020)
    with pytest.warns(DeprecationWarning, match="FIBRE_KM_PER_MS is deprecated"):
        assert geo.FIBRE_KM_PER_MS == pytest.approx(200.0)
    with pytest.warns(DeprecationWarning, match="rtt_lower_bound_ms is deprecated"):
        from scalelab.geo import rtt_lower_bound_ms
    assert rtt_lower_bound_ms(6531) == pytest.approx(65.31)
    assert geo.rtt_lower_bound(6531) == pytest.approx(0.06531)
    for old in ("BACKBONE_RTT_MS", "T_ACCESS_MS", "FIBRE_KM_PER_MS", "rtt_lower_bound_ms"):
        assert old not in geo.__all__
    with pytest.raises(AttributeError):
        geo.no_such_name  # noqa: B018


# Model files another engineer is writing as the validation test lands: convert them next.
VALIDATION_IN_PROGRESS = {
    "scalelab.load_balancer.failure_modes",
    "scalelab.replication.semisync",
    "scalelab.geo.recovery",
}


def _hand_written_checks(tree: ast.AST) -> list[str]:
    """What ``scalelab.validate`` now does, written by hand: a ``__post_init__`` checking a field
    against constant bounds (declare it with ``param``), an ``isinstance`` check raising "must
    be a ..." (``check_type``), or an array's ``ndim`` checked by hand (``check_array``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "__post_init__":
            # only unconditional checks: one under an ``if`` is a rule between fields
            top = [n for s in node.body if not isinstance(s, ast.If) for n in ast.walk(s)]
            for call in top:
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id in ("check_number", "check_int", "check_probability")
                    and len(call.args) >= 2
                    and isinstance(call.args[0], ast.Constant)
                ):
                    continue
                field = call.args[0].value
                bounds = [k.value for k in call.keywords]
                if ast.unparse(call.args[1]) == f"self.{field}" and not any(
                    isinstance(n, ast.Name) for b in bounds for n in ast.walk(b)
                ):
                    found.append(f"line {call.lineno}: {field} has constant bounds; use param")
        if isinstance(node, ast.If) and any(isinstance(b, ast.Raise) for b in node.body):
            test = ast.unparse(node.test)
            message = ast.unparse(node.body[0]) if isinstance(node.body[0], ast.Raise) else ""
            if re.search(r"\bndim\b", test):
                found.append(f"line {node.lineno}: ndim checked by hand; use check_array")
            if (
                re.search(r"not isinstance\(\w+(\.\w+)?, [A-Z]\w+\)", test)
                and " must be a" in message
            ):
                found.append(f"line {node.lineno}: isinstance checked by hand; use check_type")
    return found


@pytest.mark.parametrize("name", [m for m in MODELS if m not in VALIDATION_IN_PROGRESS])
def test_models_validate_with_scalelab_validate(name):
    """Validation is data (``scalelab.validate``): parameter dataclasses declare constant bounds
    with ``param`` and check them with ``validate_fields``; arrays go through ``check_array`` and
    model objects through ``check_type``, whose messages name the value received."""
    mod = importlib.import_module(name)
    if mod.__file__ is None or name == "scalelab.validate":
        return
    with open(mod.__file__, encoding="utf-8") as f:
        found = _hand_written_checks(ast.parse(f.read()))
    assert not found, f"{name}: " + "; ".join(found)
