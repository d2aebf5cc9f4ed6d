"""Why a submission got its grade: reasons read from the notebook, nbgrader's log and the scores.

Every lost point gets a reason that names the check and its cause (an exception type and
message, the time limit, a resource limit of the sandbox, a permission the sandbox refused, an
answer left as released), and every structural repair the grader made is said (cells restored,
cells emptied because they killed the kernel, output cut). Pure functions: the grader joins
their notes into the one reason of a result.
"""

from __future__ import annotations

from coursekit.nbg import CellScore
from coursekit.sandbox import LIMITS

__all__ = [
    "structure_notes",
    "log_notes",
    "output_notes",
    "check_causes",
    "lost_points",
    "written_answers",
    "cause_of",
]

_OUTPUT_REASONS = [
    ("MemoryError", "ran out of memory (the sandbox allows {address_space_mb} MB)"),
    ("File too large", "wrote a file larger than the sandbox allows ({file_size_mb} MB)"),
    ("No space left on device", "filled the sandbox's disk ({disk_mb} MB)"),
    ("Resource temporarily unavailable", "hit the process limit ({processes} processes)"),
    ("can't start new thread", "hit the process limit ({processes} processes)"),
    ("PermissionError", "the sandbox refused a permission (PermissionError)"),
    ("KeyboardInterrupt", "a cell was interrupted (KeyboardInterrupt)"),
    ("SystemExit", "called exit() or raised SystemExit in a cell"),
    ("NotImplementedError", "answers left as released (NotImplementedError)"),
    (
        "is switched off while this exercise is graded",
        "called the library's own implementation where the exercise asks for yours",
    ),
]


def _gid(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def structure_notes(nb, cells: dict[str, dict]) -> list[str]:
    """Reasons about the submitted notebook's cells that nbgrader would not explain.

    ``cells``: the release's graded cells, ``{grade_id: {"locked", "source", ...}}``.
    """
    notes = []
    present = {_gid(c) for c in nb.cells}
    missing = [gid for gid in cells if gid not in present]
    if missing:
        notes.append(
            "cells deleted or their nbgrader metadata stripped: "
            + ", ".join(missing)
            + " (a missing answer or check scores 0)"
        )
    by_id = {_gid(c): c for c in nb.cells}
    edited = [
        gid
        for gid, t in cells.items()
        if t["locked"] and gid in by_id and by_id[gid].source != t["source"]
    ]
    if edited:
        notes.append(
            "locked test cells were edited ("
            + ", ".join(edited)
            + "); the originals were restored and run"
        )
    return notes


def log_notes(log: str, timeout: int) -> list[str]:
    """Reasons in nbgrader's log: a timeout, a dead kernel, a file that is not JSON."""
    notes = []
    if "Timeout waiting for execute reply" in log or "CellTimeoutError" in log:
        notes.append(f"a cell ran longer than {timeout} s and was interrupted (an endless loop?)")
    if "NotJSONError" in log or "Notebook does not appear to be JSON" in log:
        notes.append("the notebook file is not valid JSON")
    return notes


def _errors(cell) -> list[tuple[str, str]]:
    return [
        (o.get("ename", ""), str(o.get("evalue", "")))
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def output_notes(nb) -> list[str]:
    """Reasons visible in the autograded notebook's error outputs (limits, exits, blanks)."""
    text = "\n".join(
        f"{ename}: {evalue}"
        for c in nb.cells
        if c.cell_type == "code"
        for ename, evalue in _errors(c)
    )
    notes = [why.format(**LIMITS) for key, why in _OUTPUT_REASONS if key in text]
    if "CellTimeoutError" in text:  # a timed-out cell is interrupted: the time limit says why
        notes = [n for n in notes if "KeyboardInterrupt" not in n]
    return notes


def cause_of(ename: str, evalue: str, timeout: int) -> str:
    """One failed check's cause in words, from its error's type and message."""
    if ename == "CellTimeoutError" or "Timeout" in ename:
        return f"time limit: over {timeout} s"
    if ename == "KeyboardInterrupt":
        return "interrupted"
    if ename == "MemoryError":
        return f"memory limit ({LIMITS['address_space_mb']} MB)"
    if (
        "Resource temporarily unavailable" in evalue
        or "can't start new thread" in evalue
        or ename == "BlockingIOError"
    ):
        return f"process limit ({LIMITS['processes']})"
    if ename == "PermissionError":
        return "a permission the sandbox refused (PermissionError)"
    if "File too large" in evalue:
        return f"file size limit ({LIMITS['file_size_mb']} MB)"
    if "No space left" in evalue:
        return f"disk limit ({LIMITS['disk_mb']} MB)"
    if ename == "NotImplementedError":
        return "answer left as released (NotImplementedError)"
    if ename == "NameError":
        return f"NameError: {evalue[:80]} (the answer did not define it)"
    message = " ".join(evalue.split())
    return f"{ename}: {message[:80]}" if message else ename


def check_causes(nb, timeout: int) -> dict[str, str]:
    """{grade_id: cause} for every graded code cell of the autograded ``nb`` that shows one.

    A check's own error decides (a timeout first); with no error, output on stderr is the
    cause (nbgrader scores a check that writes to stderr 0).
    """
    out = {}
    for cell in nb.cells:
        gid = _gid(cell)
        if not gid or cell.cell_type != "code":
            continue
        errors = _errors(cell)
        timed = [e for e in errors if e[0] == "CellTimeoutError" or "Timeout" in e[0]]
        if timed or errors:
            out[gid] = cause_of(*(timed or errors)[0], timeout)
        elif any(
            o.get("output_type") == "stream" and o.get("name") == "stderr"
            for o in cell.get("outputs", [])
        ):
            out[gid] = "wrote to stderr (nbgrader scores such a check 0)"
        elif value := [
            o for o in cell.get("outputs", []) if o.get("output_type") == "execute_result"
        ]:
            shown = str(value[-1].get("data", {}).get("text/plain", ""))[:20]
            out[gid] = f"partial credit: the check's last value was {shown}"
    return out


def lost_points(scores: dict[str, CellScore], causes: dict[str, str]) -> list[str]:
    """Which autograded checks lost points, grouped by cause: ``a, b (cause); c (cause)``."""
    checks = [c for c in scores.values() if c.autograded and c.max_score > 0]
    lost = [c for c in checks if (c.score or 0.0) < c.max_score]
    if not lost:
        return []
    groups: dict[str, list[str]] = {}
    for c in lost:
        why = causes.get(c.grade_id)
        if why is None:
            why = "partial credit" if c.score else "scored 0 with no error shown"
        groups.setdefault(why, []).append(c.grade_id)
    named = "; ".join(f"{', '.join(ids)} ({why})" for why, ids in groups.items())
    return [f"{len(lost)} of {len(checks)} checks lost points: {named}"]


def written_answers(scores: dict[str, CellScore]) -> list[str]:
    """Which written answers wait for the instructor and which were left as released."""
    written = [c for c in scores.values() if not c.autograded and c.max_score > 0]
    waiting = [c.grade_id for c in written if c.score is None]
    blank = [c.grade_id for c in written if c.score == 0.0]
    notes = []
    if waiting:
        notes.append(f"written answer(s) waiting for the instructor: {', '.join(waiting)}")
    if blank:
        notes.append(f"written answer(s) left blank (0): {', '.join(blank)}")
    return notes
