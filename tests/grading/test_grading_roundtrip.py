"""The nbgrader round trip on real submissions, for every assignment in solutions/.

For each assignment one throwaway course root grades a small class in one `nbgrader autograde`
run: the solved notebook, the untouched release, the registered wrong answers, a corrupt file and
edited test cells; a second run with a short cell timeout grades an endless loop. New notebooks
get all of this for free; their wrong answers live in tests/grading/wrong_answers/<assignment>.py.

Wrong answers are graded in waves. An exercise is an answer cell and the test cells after it, up
to the next answer cell; submission k carries the k-th wrong answer of every exercise at once
(an exercise with fewer wrong answers keeps its solution there) and each answer is scored on its
own exercise's test cells. That is the same proof as one submission per answer because the
exercises of a notebook are independent, which is checked, not assumed:

* before grading, ``couplings`` reads the code of every cell: an exercise whose cells read a name
  that another exercise's cells bind, or that share an object of the notebook's set-up with
  another exercise, is coupled to it, and coupled exercises never carry wrong answers in the same
  submission; an answer that changes an object it did not create is graded on its own;
* after grading, every exercise that carries its solution in a wave keeps full marks, and no cell
  of a wave timed out or killed the kernel (an answer that hangs or crashes would show there).

``WrongAnswer.max_points`` is the most the whole notebook may earn with the answer in place of
the solution. With the other exercises at full marks that is, for the answer's own exercise of
``P`` points in a notebook of ``full`` points: at most ``max_points - (full - P)``, below ``P``.
"""

from __future__ import annotations

import ast
import fcntl
import os
import pickle
import re
import runpy
import symtable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from answers import (
    CorrectAnswer,
    WrongAnswer,
    autograde,
    solved_notebook,
    strip_solution_markers,
    submit,
    with_answer,
)
from coursekit.feedback import sanitise
from coursekit.nbg import course_root, read_scores
from coursekit.paths import assignments, source_notebook
from make_class import hidden_lines

pytestmark = pytest.mark.grading
WRONG_DIR = Path(__file__).parent / "wrong_answers"
TIMEOUT = 20  # seconds per cell, as coursekit.grade grades a class; the slowest solved cell
# (06's counter hidden checks: hypothesis and 200 schedules) takes about 3 s on a loaded machine
# The endless loop is graded in a run of its own with this short cell timeout: the loop's cell
# is cut off and its exercise loses points all the same, so waiting out the full TIMEOUT proves
# nothing more. Most solved cells take well under a second; a slower one (06's counter checks)
# may be cut off too in this run, which the test allows: it asks that the loop's own exercise
# loses points and that the timeout is reported.
LOOP_TIMEOUT = 2
# What nbgrader logs when a cell runs out of time or a kernel dies.
HANG_OR_CRASH = ("Timeout waiting for execute reply", "Kernel died", "DeadKernelError")
# Wrong answers that hang or kill the kernel, graded each in a submission of its own so they
# cannot cost a wave its other answers: {(assignment, answer grade_id, index): why}. None of
# the registered answers does (the waves' logs are checked for it).
GRADE_ALONE: dict[tuple[str, str, int], str] = {}


def _registered(name: str) -> dict:
    path = WRONG_DIR / f"{name}.py"
    return runpy.run_path(str(path)) if path.exists() else {}


def wrong_answers(name: str) -> dict[str, list[WrongAnswer]]:
    return _registered(name).get("WRONG", {})


def correct_answers(name: str) -> dict[str, list[CorrectAnswer]]:
    """The registered correct alternatives (``RIGHT``), {answer grade_id: [CorrectAnswer]}."""
    return _registered(name).get("RIGHT", {})


def _params():
    return [pytest.param(a, marks=pytest.mark.xdist_group(a), id=a) for a in assignments()]


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _answer_ids(nb, kind="code") -> list[str]:
    return [
        _meta(c)["grade_id"] for c in nb.cells if _meta(c).get("solution") and c.cell_type == kind
    ]


def exercises(nb) -> dict[str, tuple[str, ...]]:
    """{answer grade_id: its test cells' grade_ids}: the code test cells after each code answer
    cell, up to the next one, in notebook order. Raises if a test cell precedes every answer."""
    out: dict[str, list[str]] = {}
    current = None
    for cell in nb.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or not meta:
            continue
        if meta.get("solution"):
            current = meta["grade_id"]
            out[current] = []
        elif meta.get("grade"):
            if current is None:
                raise ValueError(f"test cell {meta['grade_id']} comes before any answer cell")
            out[current].append(meta["grade_id"])
    return {gid: tuple(tests) for gid, tests in out.items()}


# --- Which exercises could change each other's results: read from the code, before grading ---


@dataclass(frozen=True)
class CellNames:
    """The global names one cell's code reads and binds."""

    reads: frozenset[str]  # read before (or without) the cell binding them itself
    binds: frozenset[str]
    imports: dict  # {name: "module.attr"} for names the cell binds by an import, and only so
    mutates_foreign: bool  # stores into an attribute or item of an object it did not create


class _ModuleLevel(ast.NodeVisitor):
    """Name nodes evaluated at module level, in source order (not inside nested scopes)."""

    def __init__(self):
        self.names: list[ast.Name] = []

    def visit_Name(self, node):
        self.names.append(node)

    # Evaluated right to left: the value is read before the target is bound.
    def visit_Assign(self, node):
        for part in [node.value, *node.targets]:
            self.visit(part)

    def visit_AnnAssign(self, node):
        for part in [node.value, node.target]:
            if part is not None:
                self.visit(part)

    def visit_AugAssign(self, node):  # ``x += 1`` reads x first
        if isinstance(node.target, ast.Name):
            self.names.append(ast.Name(node.target.id, ast.Load()))
        self.visit(node.value)
        self.visit(node.target)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self.visit(node.target)

    def visit_For(self, node):
        for part in [node.iter, node.target, *node.body, *node.orelse]:
            self.visit(part)

    visit_AsyncFor = visit_For

    def visit_Import(self, node):
        for a in node.names:
            self.names.append(ast.Name((a.asname or a.name).split(".")[0], ast.Store()))

    visit_ImportFrom = visit_Import

    def _header(self, node):  # decorators, defaults, bases: evaluated where the def stands
        for d in getattr(node, "decorator_list", []):
            self.visit(d)
        if isinstance(node, ast.ClassDef):
            for b in [*node.bases, *node.keywords]:
                self.visit(b)
        else:
            for d in [*node.args.defaults, *node.args.kw_defaults]:
                if d is not None:
                    self.visit(d)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _header

    def _comprehension(self, node):
        self.visit(node.generators[0].iter)  # the first iterable is evaluated outside

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


def cell_names(source: str) -> CellNames:
    """The names ``source`` reads and binds at the notebook's global level."""
    try:
        tree = ast.parse(source)
        top = symtable.symtable(source, "<cell>", "exec")
    except SyntaxError:  # a cell that does not parse runs nothing, binds nothing
        return CellNames(frozenset(), frozenset(), {}, False)
    binds = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    walker = _ModuleLevel()
    walker.visit(tree)
    first: dict[str, ast.expr_context] = {}
    for node in walker.names:
        first.setdefault(node.id, node.ctx)
    reads = {
        s.get_name()
        for s in top.get_symbols()
        if s.is_referenced()
        and (s.get_name() not in binds or isinstance(first.get(s.get_name()), ast.Load))
    }
    scopes, stack = {}, list(top.get_children())
    while stack:
        table = stack.pop()
        stack += table.get_children()
        scopes[(table.get_name(), table.get_lineno())] = table
        for s in table.get_symbols():
            if s.is_global() and s.is_referenced() and s.get_name() not in binds:
                reads.add(s.get_name())
            if s.is_declared_global() and s.is_assigned():
                binds.add(s.get_name())
    imports: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                imports[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                imports[a.asname or a.name] = f"{'.' * node.level}{node.module}.{a.name}"
    only_imported = {
        n: t
        for n, t in imports.items()
        if top.lookup(n).is_imported() and not top.lookup(n).is_assigned()
    }
    return CellNames(
        frozenset(reads),
        frozenset(binds),
        only_imported,
        _mutates_foreign(
            tree, scopes, {s.get_name() for s in top.get_symbols() if s.is_assigned()}
        ),
    )


def _mutates_foreign(tree, scopes, made) -> bool:
    """True if the code stores into (or deletes) ``x.attr`` or ``x[key]`` where ``x`` is an
    object it did not make: a global it does not assign, or a module it imports. ``self.data =
    ...`` in a method, or an item of a dict the cell made, are its own."""

    def foreign(name, table) -> bool:
        if table is None:
            return name not in made
        try:
            symbol = table.lookup(name)
        except KeyError:
            return True
        if symbol.is_imported():
            return True
        return symbol.is_global() and name not in made  # else a local: made by the code

    def visit(node, table) -> bool:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            name = "lambda" if isinstance(node, ast.Lambda) else node.name
            table = scopes.get((name, node.lineno), table)
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(
            node.ctx, (ast.Store, ast.Del)
        ):
            base = node.value
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if isinstance(base, ast.Name) and foreign(base.id, table):
                return True
        return any(visit(child, table) for child in ast.iter_child_nodes(node))

    return visit(tree, None)


@dataclass(frozen=True)
class Independence:
    """What ``couplings`` found in one notebook."""

    coupled: frozenset[frozenset[str]]  # pairs of exercises that may change each other's scores
    why: dict  # {pair: the names that couple them}
    alone: frozenset[tuple[str, int]]  # (exercise, wrong answer index) to grade on its own


def couplings(source_nb, wrong: dict[str, list[WrongAnswer]]) -> Independence:
    """Read every cell of ``source_nb`` (answers and all registered wrong answers, tests with
    their hidden parts, set-up) and find the exercises that could change each other's results."""
    ex = exercises(source_nb)
    owner = {t: gid for gid, tests in ex.items() for t in tests}
    answers: dict[str, list[CellNames]] = {gid: [] for gid in ex}
    tests: dict[str, list[CellNames]] = {gid: [] for gid in ex}
    setup_assigned: set[str] = set()  # bound in a set-up cell other than by an import
    setup_imports: dict[str, set[str]] = {}
    for cell in source_nb.cells:
        if cell.cell_type != "code":
            continue
        meta = _meta(cell)
        if meta.get("solution"):
            answers[meta["grade_id"]].append(cell_names(strip_solution_markers(cell.source)))
        elif meta.get("grade"):
            tests[owner[meta["grade_id"]]].append(cell_names(cell.source))
        else:
            names = cell_names(cell.source)
            setup_assigned |= names.binds - set(names.imports)
            for n, target in names.imports.items():
                setup_imports.setdefault(n, set()).add(target)
    alone = set()
    for gid, answer_list in wrong.items():
        for i, answer in enumerate(answer_list):
            names = cell_names(answer.source)
            answers[gid].append(names)
            if names.mutates_foreign:
                alone.add((gid, i))
    # A set-up name bound by something other than an import may hold a mutable object (an rng,
    # a dict of zones), and so may a name imported from two places: two exercises that both read
    # it are coupled through it.
    setup_objects = setup_assigned | {n for n, t in setup_imports.items() if len(t) > 1}
    reads, binds = {}, {}
    for gid in ex:
        cells = answers[gid] + tests[gid]
        reads[gid] = set().union(*(c.reads for c in cells))
        # Binding a name to the very object the set-up imported under it changes nothing.
        binds[gid] = {
            n
            for c in cells
            for n in c.binds
            if not (n in c.imports and setup_imports.get(n) == {c.imports[n]})
        }
    coupled, why = set(), {}
    for a in ex:
        for b in ex:
            if a >= b:
                continue
            names = (
                (reads[a] & binds[b])
                | (reads[b] & binds[a])
                | (reads[a] & reads[b] & setup_objects)
            )
            if names:
                pair = frozenset((a, b))
                coupled.add(pair)
                why[pair] = sorted(names)
    return Independence(frozenset(coupled), why, frozenset(alone))


@dataclass(frozen=True)
class Case:
    """One registered wrong answer: the ``index``-th of exercise ``gid``."""

    gid: str
    index: int
    answer: WrongAnswer

    @property
    def label(self) -> str:
        return f"{self.gid}[{self.index}] ({self.answer.why})"


def plan(wrong: dict[str, list[WrongAnswer]], indep: Independence) -> list[dict[str, Case]]:
    """Submissions of wrong answers, each {exercise: Case}: wave k holds the k-th wrong answer of
    every exercise unless two are coupled; an answer to be graded alone gets a submission of its
    own. Every registered answer is in exactly one submission."""
    waves: list[dict[str, Case]] = []
    solos: list[dict[str, Case]] = []
    depth = max((len(a) for a in wrong.values()), default=0)
    for i in range(depth):
        for gid, answer_list in wrong.items():
            if i >= len(answer_list):
                continue
            case = Case(gid, i, answer_list[i])
            if (gid, i) in indep.alone:
                solos.append({gid: case})
                continue
            for wave in waves:
                if gid not in wave and all(frozenset((gid, g)) not in indep.coupled for g in wave):
                    wave[gid] = case
                    break
            else:
                waves.append({gid: case})
    return waves + solos


# --- Grading: one class per assignment, graded once per test session ---

_CLASSES: dict[str, dict] = {}


def graded_class(name: str, shared: Path) -> dict:
    """The graded test class for ``name``: scores and context, graded once per test session.

    The tests of one assignment share an ``xdist_group``, so one worker runs them all. Should a
    second worker get one of them anyway (pytest-xdist 3.8 ignores the groups under pytest 9.2),
    it waits for the first worker's result, saved in the workers' shared folder, instead of
    grading the class again.
    """
    if name not in _CLASSES:
        with open(shared / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            saved = shared / f"{name}.pickle"
            if saved.exists():
                _CLASSES[name] = pickle.loads(saved.read_bytes())
            else:
                _CLASSES[name] = _grade(name, shared / name)
                saved.write_bytes(pickle.dumps(_CLASSES[name]))
    return _CLASSES[name]


def _grade(name: str, folder: Path) -> dict:
    root = course_root(folder, [name], timeout=TIMEOUT)
    release_dir = root / "release"
    solved = solved_notebook(name, release_dir)
    blank = nbformat.read(release_dir / name / f"{name}.ipynb", as_version=4)
    wrong = wrong_answers(name)
    indep = couplings(nbformat.read(source_notebook(name), as_version=4), wrong)
    alone = {(gid, i) for (a, gid, i) in GRADE_ALONE if a == name}
    indep = Independence(indep.coupled, indep.why, indep.alone | alone)
    students = {"solved": solved, "blank": blank}
    submissions: dict[str, dict[str, Case]] = {}
    for k, cases in enumerate(plan(wrong, indep)):
        student = f"wrong-{k}"
        nb = solved
        for gid, case in cases.items():
            nb = with_answer(nb, gid, case.answer.source)
        students[student] = nb
        submissions[student] = cases
    right = correct_answers(name)
    right_indep = couplings(nbformat.read(source_notebook(name), as_version=4), right)
    alternatives: dict[str, dict[str, Case]] = {}
    for k, cases in enumerate(plan(right, right_indep)):
        nb = solved
        for gid, case in cases.items():
            nb = with_answer(nb, gid, case.answer.source)
        students[f"right-{k}"] = nb
        alternatives[f"right-{k}"] = cases
    students["corrupt"] = b'{"cells": [ this is not json'
    edited = nbformat.from_dict(blank)
    for cell in edited.cells:
        if _meta(cell).get("grade") and cell.cell_type == "code":
            cell.source = "pass"
    students["edited-tests"] = edited
    for student, nb in students.items():
        submit(root, name, student, nb)
    proc = autograde(root, name)
    # The endless loop, on its own with a short cell timeout (command-line config wins).
    first = _answer_ids(solved)[0]
    loop_source = "while True:\n    pass\n" + next(
        c.source for c in solved.cells if _meta(c).get("grade_id") == first
    )
    submit(root, name, "loop", with_answer(solved, first, loop_source))
    loop_proc = autograde(
        root,
        name,
        "--student=loop",
        f"--Execute.timeout={LOOP_TIMEOUT}",
        f"--ExecutePreprocessor.timeout={LOOP_TIMEOUT}",
    )
    result = {
        "scores": read_scores(root, name),
        "solved": solved,
        "exercises": exercises(solved),
        "independence": indep,
        "wrong": wrong,
        "submissions": submissions,
        "right": right,
        "alternatives": alternatives,
        "first": first,
        "log": proc.stdout + proc.stderr,
        "loop_log": loop_proc.stdout + loop_proc.stderr,
        "root": root,
        "returncode": proc.returncode,
        "n_graded": len(students) + 1,
    }
    print(
        f"{name}: {sum(len(a) for a in wrong.values())} wrong answers in "
        f"{len(submissions)} submissions, {sum(len(a) for a in right.values())} correct "
        f"alternatives in {len(alternatives)}; {result['n_graded']} submissions graded in 2 runs"
    )
    return result


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory):
    """A folder for the graded classes that every xdist worker of this session shares."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "roundtrip"
    shared.mkdir(exist_ok=True)
    return shared


@pytest.fixture(scope="module", params=_params())
def name(request):
    """The assignment; module scope keeps each assignment's tests together in collection order."""
    return request.param


def auto(cells) -> dict:
    return {g: c for g, c in cells.items() if c.autograded}


# --- The exercise map and the independence check, on their own (no grading) ---


@pytest.mark.parametrize("name", assignments())
def test_exercises_follow_the_notebook_and_the_naming_rule(name):
    """Each answer owns the test cells up to the next answer, named test_<answer>_*; every test
    cell belongs to exactly one exercise."""
    nb = nbformat.read(source_notebook(name), as_version=4)
    ex = exercises(nb)
    assert list(ex) == _answer_ids(nb), f"{name}: {list(ex)}"
    test_ids = [
        _meta(c)["grade_id"]
        for c in nb.cells
        if _meta(c).get("grade") and c.cell_type == "code" and not _meta(c).get("solution")
    ]
    owned = [t for tests in ex.values() for t in tests]
    assert sorted(owned) == sorted(test_ids) and len(set(owned)) == len(owned), name
    for gid, tests in ex.items():
        assert tests, f"{name}: answer {gid} has no test cell"
        bad = [t for t in tests if not t.startswith(f"test_{gid}_")]
        assert bad == [], f"{name}: test cells {bad} follow answer {gid} but are not test_{gid}_*"
    for gid, answer_list in wrong_answers(name).items():
        assert gid in ex, f"{name}: wrong answers registered for {gid}, which is no answer cell"
        for i, answer in enumerate(answer_list):
            outside = [p for p in answer.passes if p not in ex[gid]]
            assert outside == [], f"{name}: {gid}[{i}] passes {outside}, not {gid}'s test cells"


@pytest.mark.parametrize("name", assignments())
def test_every_exercise_has_two_correct_alternatives(name):
    """Fair checks are proven, not assumed: each autograded answer cell has at least two
    registered correct alternatives (RIGHT), graded in the round trip at full marks."""
    nb = nbformat.read(source_notebook(name), as_version=4)
    right = correct_answers(name)
    short = {gid: len(right.get(gid, [])) for gid in _answer_ids(nb) if len(right.get(gid, [])) < 2}
    assert short == {}, (
        f"{name}: register at least two CorrectAnswer per answer cell in "
        f"tests/grading/wrong_answers/{name}.py (RIGHT); too few for {short}"
    )
    unknown = set(right) - set(_answer_ids(nb))
    assert not unknown, f"{name}: RIGHT names no answer cell {sorted(unknown)}"


@pytest.mark.parametrize("name", assignments())
def test_exercises_are_independent(name):
    """No exercise reads what another binds or shares a set-up object with it: a learner's wrong
    answer to one exercise cannot cost points in another, and the waves may carry one wrong
    answer per exercise. (Were two exercises coupled, the round trip would still grade their
    wrong answers apart; this test says the course has no such pair.)"""
    indep = couplings(nbformat.read(source_notebook(name), as_version=4), wrong_answers(name))
    assert indep.why == {} and not indep.alone, f"{name}: {indep.why} {sorted(indep.alone)}"


def _nb(*cells) -> nbformat.NotebookNode:
    """A notebook of (kind, grade_id, source) cells: kind 'setup', 'answer' or 'test'."""
    nb = nbformat.v4.new_notebook()
    for kind, gid, source in cells:
        meta = {}
        if kind == "answer":
            meta = {"nbgrader": {"grade_id": gid, "solution": True, "grade": False}}
        elif kind == "test":
            meta = {"nbgrader": {"grade_id": gid, "solution": False, "grade": True, "points": 1}}
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata=meta))
    return nb


def test_couplings_are_found():
    """The check is not blind: each way one exercise can reach another's results is caught."""
    setup = ("setup", "", "import math\nfrom os import path\nrng = make_rng(1)\nTABLE = {}")
    base = [
        setup,
        ("answer", "a", "def f(x):\n    return x + 1"),
        ("test", "test_a_visible", "got = f(1)\nassert got == 2"),
        ("answer", "b", "def g(x):\n    return 2 * x"),
        ("test", "test_b_visible", "got = g(1)\nassert got == 2"),
    ]
    ok = couplings(_nb(*base), {"a": [WrongAnswer("def f(x):\n    return x", 2)]})
    assert ok.coupled == frozenset() and ok.alone == frozenset()
    # b's test calls a's function.
    calls = [*base[:4], ("test", "test_b_visible", "assert g(1) == f(1)")]
    assert couplings(_nb(*calls), {}).why == {frozenset("ab"): ["f"]}
    # b's answer reads a name a's wrong answer binds (and the solution does not).
    helper = {"a": [WrongAnswer("def f(x):\n    return x\nhelper = 1", 2)]}
    uses = [*base[:3], ("answer", "b", "def g(x):\n    return helper * x"), base[4]]
    assert couplings(_nb(*uses), helper).why == {frozenset("ab"): ["helper"]}
    # Both read a set-up object that is not an import (one could change it for the other).
    shared = [
        setup,
        ("answer", "a", "def f():\n    return rng.random()"),
        ("test", "test_a_visible", "f()"),
        ("answer", "b", "def g():\n    return rng.random()"),
        ("test", "test_b_visible", "g()"),
    ]
    assert couplings(_nb(*shared), {}).why == {frozenset("ab"): ["rng"]}
    # Re-importing what the set-up imported is harmless; shadowing it is not.
    reimport = {"a": [WrongAnswer("import math\ndef f(x):\n    return math.floor(x)", 2)]}
    both_math = [*base[:3], ("answer", "b", "def g(x):\n    return math.ceil(x)"), base[4]]
    assert couplings(_nb(*both_math), reimport).coupled == frozenset()
    shadow = {"a": [WrongAnswer("import numpy as math\ndef f(x):\n    return x", 2)]}
    assert couplings(_nb(*both_math), shadow).why == {frozenset("ab"): ["math"]}
    # An answer that changes an object it did not create is graded on its own.
    poke = {"a": [WrongAnswer("def f(x):\n    TABLE['k'] = x\n    return x", 2)]}
    assert couplings(_nb(*base), poke).alone == {("a", 0)}
    patch = {"a": [WrongAnswer("import math\nmath.floor = round\ndef f(x):\n    return x", 2)]}
    assert couplings(_nb(*base), patch).alone == {("a", 0)}
    own = {"a": [WrongAnswer("SEEN = {}\ndef f(x):\n    SEEN[x] = 1\n    return x", 2)]}
    assert couplings(_nb(*base), own).alone == frozenset()


def test_a_coupling_in_a_real_notebook_is_found():
    """The same check on a course notebook (hidden tests and all) where the second exercise's
    test cell is made to call the first exercise's answer."""
    name = next(
        a for a in assignments() if len(exercises(nbformat.read(source_notebook(a), 4))) > 1
    )
    nb = nbformat.read(source_notebook(name), as_version=4)
    first, second = list(exercises(nb).items())[:2]
    defined = next(
        cell_names(strip_solution_markers(c.source)).binds
        for c in nb.cells
        if _meta(c).get("grade_id") == first[0]
    )
    assert couplings(nb, wrong_answers(name)).coupled == frozenset()
    test_cell = next(c for c in nb.cells if _meta(c).get("grade_id") == second[1][0])
    test_cell.source += f"\n{sorted(defined)[0]}\n"
    assert couplings(nb, wrong_answers(name)).coupled == {frozenset((first[0], second[0]))}


def test_plan_puts_each_answer_in_one_submission():
    w = WrongAnswer
    wrong = {"a": [w("a0", 1), w("a1", 1), w("a2", 1)], "b": [w("b0", 1)], "c": [w("c0", 1)]}
    free = plan(wrong, Independence(frozenset(), {}, frozenset()))
    assert [{g: c.index for g, c in s.items()} for s in free] == [
        {"a": 0, "b": 0, "c": 0},
        {"a": 1},
        {"a": 2},
    ]
    tied = Independence(frozenset({frozenset("ab")}), {}, frozenset({("c", 0)}))
    split = [{g: c.index for g, c in s.items()} for s in plan(wrong, tied)]
    assert split == [{"a": 0}, {"b": 0}, {"a": 1}, {"a": 2}, {"c": 0}]


# --- What the grading must give ---


def test_solution_scores_full_marks(name, tmp_root):
    cls = graded_class(name, tmp_root)
    cells = auto(cls["scores"]["solved"])
    assert cells, f"{name}: no autograded cells"
    short = {g: (c.score, c.max_score) for g, c in cells.items() if c.score != c.max_score}
    assert short == {}, f"{name}: the solution loses points in {short}\n{cls['log'][-3000:]}"


def test_blank_release_scores_zero(name, tmp_root):
    cells = auto(graded_class(name, tmp_root)["scores"]["blank"])
    earned = {g: c.score for g, c in cells.items() if c.score}
    assert earned == {}, f"{name}: the untouched release earns points in {earned}"
    written = {
        g: c.score
        for g, c in graded_class(name, tmp_root)["scores"]["blank"].items()
        if not c.autograded
    }
    # Left as released: scored 0 ("left blank"), never waiting for a grader.
    assert all(s == 0.0 for s in written.values()), f"{name}: blank written answers: {written}"


def test_written_answers_of_the_solution_wait_for_the_instructor(name, tmp_root):
    """A filled written answer is not scored by the autograder: it waits for a person."""
    scores = graded_class(name, tmp_root)["scores"]["solved"]
    written = {g: c.score for g, c in scores.items() if not c.autograded and c.max_score > 0}
    assert written, f"{name}: no written answer"
    assert all(s is None for s in written.values()), f"{name}: written answers scored {written}"


def test_every_exercise_has_a_wrong_answer_the_hidden_tests_catch(name, tmp_root):
    cls = graded_class(name, tmp_root)
    registered = {gid for gid, answers in cls["wrong"].items() if any(a.passes for a in answers)}
    missing = set(_answer_ids(cls["solved"])) - registered
    assert not missing, (
        f"{name}: register in tests/grading/wrong_answers/{name}.py a plausible wrong answer that passes "
        f"the visible checks (non-empty `passes`) for: {sorted(missing)}"
    )


def test_every_wrong_answer_is_graded_once(name, tmp_root):
    cls = graded_class(name, tmp_root)
    graded = sorted((c.gid, c.index) for s in cls["submissions"].values() for c in s.values())
    registered = sorted((gid, i) for gid, a in cls["wrong"].items() for i in range(len(a)))
    assert graded == registered, f"{name}: graded {graded}, registered {registered}"
    missing = [s for s in cls["submissions"] if s not in cls["scores"]]
    assert missing == [], f"{name}: no grades for {missing}\n{cls['log'][-3000:]}"


def test_wrong_answers_lose_points_in_their_own_exercise(name, tmp_root):
    cls = graded_class(name, tmp_root)
    full = sum(c.max_score for c in auto(cls["scores"]["solved"]).values())
    problems = []
    for student, cases in cls["submissions"].items():
        cells = auto(cls["scores"][student])
        for gid, case in cases.items():
            answer, own = case.answer, cls["exercises"][gid]
            points = sum(cells[t].max_score for t in own)
            earned = sum(cells[t].score or 0 for t in own)
            # max_points bounds the whole notebook; the other exercises keep their full marks.
            bound = answer.max_points - (full - points)
            if not answer.max_points < full:
                problems.append(f"{case.label}: max_points {answer.max_points} is not below {full}")
            if earned > bound + 1e-9:
                problems.append(
                    f"{student} {case.label}: earned {earned} of {points} in its own exercise "
                    f"{own}, more than {bound} (max_points {answer.max_points} of {full})"
                )
            for visible in answer.passes:
                c = cells[visible]
                if c.score != c.max_score:
                    problems.append(
                        f"{student} {case.label}: expected to pass {visible}, got {c.score}"
                    )
    assert problems == [], f"{name}:\n" + "\n".join(problems)


def test_correct_alternatives_earn_full_marks(name, tmp_root):
    """Every registered correct alternative earns every point of its exercise (and the other
    exercises, carrying their solutions, keep theirs): another valid way to write an answer is
    never refused on its type, its order of checks or its algorithm."""
    cls = graded_class(name, tmp_root)
    graded = sorted((c.gid, c.index) for s in cls["alternatives"].values() for c in s.values())
    registered = sorted((gid, i) for gid, a in cls["right"].items() for i in range(len(a)))
    assert graded == registered, f"{name}: graded {graded}, registered {registered}"
    problems = []
    for student, cases in cls["alternatives"].items():
        cells = auto(cls["scores"].get(student, {}))
        if not cells:
            problems.append(f"{student}: no grades")
            continue
        short = {g: (c.score, c.max_score) for g, c in cells.items() if c.score != c.max_score}
        if short:
            carried = ", ".join(c.label for c in cases.values())
            problems.append(f"{student} ({carried}): lost points in {short}")
    assert problems == [], f"{name}:\n" + "\n".join(problems) + f"\n{cls['log'][-3000:]}"


def test_wrong_answers_leave_the_other_exercises_whole(name, tmp_root):
    """In every submission of wrong answers, an exercise that carries its solution keeps full
    marks, and no cell timed out or killed the kernel: nothing leaked from one exercise into
    another, so each wrong answer's score is its own."""
    cls = graded_class(name, tmp_root)
    problems = []
    for student, cases in cls["submissions"].items():
        cells = auto(cls["scores"][student])
        for gid, tests in cls["exercises"].items():
            if gid in cases:
                continue
            short = {t: cells[t].score for t in tests if cells[t].score != cells[t].max_score}
            if short:
                carried = ", ".join(c.label for c in cases.values())
                problems.append(f"{student}: solution of {gid} lost {short} beside {carried}")
    log = cls["log"]
    problems += [
        f"the autograde log reports {w!r}: find the wrong answer that hangs or kills the kernel "
        "and list it in GRADE_ALONE"
        for w in HANG_OR_CRASH
        if w in log
    ]
    assert problems == [], f"{name}:\n" + "\n".join(problems) + f"\n{log[-3000:]}"


def test_broken_submissions_get_a_clear_result(name, tmp_root):
    cls = graded_class(name, tmp_root)
    scores, log = cls["scores"], cls["log"]
    solved = auto(scores["solved"])
    # The infinite loop is cut off, the timeout is reported, and its own exercise loses points.
    loop = auto(scores["loop"])
    assert f"Timeout waiting for execute reply ({LOOP_TIMEOUT}s)" in cls["loop_log"], cls[
        "loop_log"
    ][-2000:]
    assert sum(c.score or 0 for c in loop.values()) < sum(c.max_score for c in solved.values())
    own = cls["exercises"][cls["first"]]
    assert sum(loop[t].score or 0 for t in own) < sum(loop[t].max_score for t in own)
    # Edited test cells are restored from the gradebook and run as written: a blank earns 0.
    # (nbgrader logs "checksum ... has changed" for every hidden-test cell, so the log proves
    # nothing here: read the graded notebook and see the real checks back in place of "pass".)
    graded_nb = nbformat.read(
        cls["root"] / "autograded" / "edited-tests" / name / f"{name}.ipynb", as_version=4
    )
    restored = [
        c.source for c in graded_nb.cells if _meta(c).get("grade") and c.cell_type == "code"
    ]
    assert restored and all(src.strip() != "pass" for src in restored), restored[:2]
    assert all(not c.score for c in auto(scores["edited-tests"]).values())
    # Corrupt JSON: reported for that student alone, no points; others are graded in full.
    assert "corrupt" in log
    assert all(not c.score for c in scores.get("corrupt", {}).values())
    assert all(c.score == c.max_score for c in solved.values())


def _shown(nb) -> tuple[str, str]:
    """What a feedback page shows of a notebook: (cell sources, output texts)."""
    sources, outputs = [], []
    for cell in nb.cells:
        sources.append(cell.source)
        for out in cell.get("outputs", []):
            outputs += [out.get("text", ""), out.get("ename", ""), str(out.get("evalue", ""))]
            outputs += list(out.get("traceback", []))
            outputs += [str(v) for v in out.get("data", {}).values()]
    return "\n".join(sources), "\n".join(outputs)


# A hidden line that is code (not a data row such as `[1, 2, 3],`, which a failed check's own
# message may rightly quote as the case it tried).
_CODE = re.compile(r"^(assert|def |for |if |while |with |return |expect|check|import |from )")


def test_feedback_never_shows_hidden_tests(name, tmp_root):
    """The sanitised feedback of every graded submission (solved, blank, each wave of wrong
    answers, edited tests) quotes no hidden-test line the student did not write: none in a
    cell's code, and no line of hidden code in an output."""
    cls = graded_class(name, tmp_root)
    hidden = hidden_lines(name)
    assert hidden, f"{name}: no hidden-test lines to look for"
    checked, leaks = 0, []
    for path in sorted((cls["root"] / "autograded").glob(f"*/{name}/{name}.ipynb")):
        student = path.parent.parent.name
        graded = nbformat.read(path, as_version=4)
        code, _ = _shown(graded)
        assert any(line in code for line in hidden), f"{name}/{student}: no hidden line"
        code, outputs = _shown(sanitise(graded, name, cls["scores"].get(student, {})))
        submitted = cls["root"] / "submitted" / student / name / f"{name}.ipynb"
        own = "\n".join(c.source for c in nbformat.read(submitted, as_version=4).cells)
        leaks += [
            f"{student}: {line}"
            for line in hidden
            if line not in own and (line in code or (_CODE.match(line) and line in outputs))
        ]
        checked += 1
    assert checked >= 3 and leaks == [], "\n".join(leaks[:10])
