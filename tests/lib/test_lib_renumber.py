"""tools/renumber.py: inserting a chapter renumbers every reference at once, and only those."""

from __future__ import annotations

import runpy
from pathlib import Path

TOOL = runpy.run_path(str(Path(__file__).parents[2] / "tools" / "renumber.py"))
OLD = ["00-welcome", "04-multi-master", "05-caching", "06-cdn", "09-message-queues", "10-sharding"]


def test_new_order_places_each_insert_after_its_chapter():
    new = TOOL["new_order"](OLD, [("quorums", "04-multi-master"), ("overload", "06-cdn")])
    assert new == [
        "00-welcome",
        "01-multi-master",
        "02-quorums",
        "03-caching",
        "04-cdn",
        "05-overload",
        "06-message-queues",
        "07-sharding",
    ]


def test_rewrite_maps_ids_and_chapter_numbers_simultaneously():
    old = [f"{i:02d}-t{i}" for i in range(12)]
    new = TOOL["new_order"](old, [("q", "04-t4")])
    ids, numbers = TOOL["mapping"](old, new)
    assert numbers["05"] == "06" and numbers["11"] == "12" and "04" not in numbers
    text = (
        "See chapter 05 and 06-t6; chapters 03/05 and chapters 09, 10 or 11.\n"
        "# 05 · Caching\n"
        "# # 05 · Caching\n"
        "- ``sharding``  consistent hashing (10), a tuple (10, 11), CPython 3.11's hmac\n"
        "built in 09's module; curve.at(10) and range(10) stay; 05-t5/05-t5.py\n"
        "Chapter 04 stays, 50 % stays, 2010 stays; chapter 09's model.\n"
        "- Kleppmann, M. (2017). *Designing Data-Intensive Applications*, chapter 11.\n"
        'C["Cache tier (ch. 05)"] --> Q["Queue (ch. 09)"]; the SRE book (Beyer et al. 2016, ch. 10)\n'
    )
    assert TOOL["rewrite"](text, ids, numbers) == (
        "See chapter 06 and 07-t6; chapters 03/06 and chapters 10, 11 or 12.\n"
        "# 06 · Caching\n"
        "# # 06 · Caching\n"
        "- ``sharding``  consistent hashing (10), a tuple (10, 11), CPython 3.11's hmac\n"
        "built in 10's module; curve.at(10) and range(10) stay; 06-t5/06-t5.py\n"
        "Chapter 04 stays, 50 % stays, 2010 stays; chapter 10's model.\n"
        "- Kleppmann, M. (2017). *Designing Data-Intensive Applications*, chapter 11.\n"
        'C["Cache tier (ch. 05)"] --> Q["Queue (ch. 09)"]; the SRE book (Beyer et al. 2016, ch. 10)\n'
    )


def test_a_learners_work_copy_follows_a_renumbered_chapter(tmp_path, capsys, monkeypatch):
    """make lab's work-copy step moves work/05-caching to work/06-caching, edits kept, says so,
    and leaves a chapter alone when its new name is already there."""
    workcopy = runpy.run_path(str(Path(__file__).parents[2] / "tools" / "workcopy.py"))
    tools = tmp_path / "repo" / "tools"
    tools.mkdir(parents=True)
    (tools / "moved.json").write_text('{"05-caching": "06-caching", "06-cdn": "07-cdn"}')
    work = tmp_path / "repo" / "work"
    (work / "05-caching").mkdir(parents=True)
    (work / "05-caching" / "05-caching.ipynb").write_text("my edits")
    (work / "06-cdn").mkdir()
    (work / "07-cdn").mkdir()
    follow = workcopy["follow_moves"]
    monkeypatch.setitem(follow.__globals__, "ROOT", tmp_path / "repo")
    follow(work)
    assert (work / "06-caching" / "06-caching.ipynb").read_text() == "my edits"
    assert not (work / "05-caching").exists()
    assert (work / "06-cdn").exists() and (work / "07-cdn").exists()
    said = capsys.readouterr().out
    assert "moved your work/05-caching/ to work/06-caching/" in said
    assert "06-cdn is now 07-cdn" in said


def test_the_readme_syllabus_lists_every_chapter_in_order():
    """An inserted or renumbered chapter reaches the README's syllabus too."""
    root = Path(__file__).parents[2]
    chapters = TOOL["chapters"]()
    readme = (root / "README.md").read_text()
    rows = [line.split("`")[1] for line in readme.splitlines() if line.startswith("| `")]
    listed = [r for r in rows if r[:2].isdigit() and r[2] == "-"]
    assert listed == chapters, f"README syllabus {listed} != chapters {chapters}"
