"""Your-turn cells: the check cell's report, the solved state, and the generated notebook cells."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import FunctionType

import nbformat
import pytest
from rq.job import JobStatus

from workbook import demo_jobs
from workbook import your_turn as turns
from workbook.demo_jobs import get_queue
from workbook.your_turn import TAG, turn_cells, turn_file, your_turn

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
TURN_NOTEBOOKS = NOTEBOOKS  # 03 too: its Your turn sits beside exercise 03a


def _make_exercises():
    spec = importlib.util.spec_from_file_location("make_exercises",
                                                  ROOT / "tools" / "make_exercises.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _define(text: str):
    """The function ``text`` defines, as a notebook cell would define it."""
    namespace: dict = {}
    exec(compile(text, "<cell>", "exec"), namespace)
    return [value for value in namespace.values() if isinstance(value, FunctionType)][-1]


def _stub(notebook: str, function: str):
    return _define(turn_cells(turn_file(notebook).read_text())[function])


@pytest.fixture
def student(monkeypatch):
    monkeypatch.delenv("WORKBOOK_TARGET", raising=False)


def test_an_untouched_stub_says_not_started_in_one_line(student, capsys):
    your_turn("08", _stub("08", "workers_needed"))
    assert capsys.readouterr().out == (
        "⏳ Your turn: not started — write workers_needed in the cell above, then run this "
        "cell again.\n")


def test_a_right_answer_passes_every_behaviour(student, capsys):
    your_turn("08", _define("import math\n\ndef workers_needed(per_minute, delay):\n"
                            "    return math.ceil(per_minute * delay / 60)\n"))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and all(line.startswith("✅ ") for line in lines)


def test_a_wrong_answer_gets_a_cross_that_says_what_came_back(student, capsys):
    your_turn("08", _define("def workers_needed(per_minute, delay):\n"
                            "    return per_minute * delay / 60\n"))
    out = capsys.readouterr().out
    assert "❌ forty-one a minute, 30 s: a whole extra worker: expected 21, got 20.5" in out
    assert "✅ forty a minute, 30 s: twenty workers, as above" in out


def test_a_raising_answer_ends_with_one_cross_not_a_traceback(student, capsys):
    your_turn("08", _define("def workers_needed(per_minute, delay):\n    return 1 / 0\n"))
    assert capsys.readouterr().out == (
        "❌ workers_needed raised ZeroDivisionError: division by zero\n")


def test_a_renamed_function_is_reported_not_raised(student, capsys):
    your_turn("08", _define("def how_many(per_minute, delay):\n    return 1\n"))
    assert capsys.readouterr().out.startswith("❌ There is no Your turn 'how_many'")


def test_the_solved_state_runs_the_solution_for_an_untouched_stub(monkeypatch, capsys):
    monkeypatch.setenv("WORKBOOK_TARGET", "solutions")
    your_turn("09", _stub("09", "share_moved"))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "(solved state: using solutions/turns_09.py)"
    assert len(lines) > 1 and all(line.startswith("✅ ") for line in lines[1:])


def test_the_solved_state_still_checks_a_students_own_code(monkeypatch, capsys):
    monkeypatch.setenv("WORKBOOK_TARGET", "solutions")
    your_turn("09", _define("def share_moved(keys, before, after):\n    return 0.5\n"))
    out = capsys.readouterr().out
    assert "solved state" not in out and "❌" in out


def test_a_redis_check_uses_the_notebooks_connection_and_cleans_up(student, conn, capsys):
    your_turn("01", _define("import json\n\ndef oldest_job(r, queue):\n"
                            "    return json.loads(r.lindex(queue, -1))\n"), conn)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("✅ ") for line in lines)
    assert conn.keys() == []


def test_the_stub_line_counts_the_lines_to_write():
    source = ("# Your turn: add.\ndef add(a, b):\n    ### BEGIN SOLUTION\n    total = a + b\n\n"
              "    return total\n    ### END SOLUTION\n\n\n"
              "def check_add(add):\n    yield True, 'x'\n")
    assert turn_cells(source) == {
        "add": "# Your turn: add.\ndef add(a, b):\n    ...  # replace ... with about 2 lines"}


@pytest.mark.parametrize(("source", "message"), [
    ("# Your turn: x.\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("# Your turn: x.\ndef f():\n    return 1\n\n\ndef check_f(f):\n    pass\n",
     "exactly one solution block"),
    ("# Your turn: x.\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
     "no check_f"),
    ("# Your turn: x.\n", "no function after it"),
])
def test_malformed_turns_are_refused(source, message):
    with pytest.raises(turns.TurnError, match=message):
        turn_cells(source, "turns_99.py")


# Notebook 00's check starts a throwaway redis-server of its own, as the notebook does.
TURN_FILES = [pytest.param(path, id=path.stem,
                           marks=[pytest.mark.slow] if "00" in path.stem else [])
              for path in sorted((ROOT / "solutions").glob("turns_*.py"))]


@pytest.mark.parametrize("path", TURN_FILES)
def test_every_turn_has_a_solution_its_check_passes(path, monkeypatch, conn):
    """CI's both directions, without a notebook: the solution passes, the stub is not started."""
    monkeypatch.delenv("WORKBOOK_TARGET", raising=False)
    module = turns._load(path)
    for function, cell in turn_cells(path.read_text(), path.name).items():
        stub = _define(cell)
        assert turns.is_untouched(stub, cell)
        assert not turns.is_untouched(getattr(module, function), cell)
        live = _LIVE.get(function, lambda c: ())(conn)
        lines = turns.report(getattr(module, f"check_{function}")(getattr(module, function),
                                                                  *live), function)
        assert lines and all(line.startswith("✅") for line in lines), lines


def _jobs_for_07(conn):
    default = get_queue("default", conn)
    victim = default.enqueue(demo_jobs.noop, job_id="victim")
    victim.set_status(JobStatus.FAILED)
    orphan = default.enqueue(demo_jobs.noop, job_id="orphan")
    orphan.set_status(JobStatus.STARTED)
    return victim, orphan


_LIVE = {
    "oldest_job": lambda conn: (conn,),
    "job_function": lambda conn: (conn,),
    "last_signup_wait": lambda conn: ([(201, 30.0), (201, 60.0), (201, 90.0)], 30),
    "job_counts": lambda conn: (get_queue("default", conn),),
    "next_queue": lambda conn: (conn,),
    "due_within": lambda conn: (conn,),
    "after_the_crash": _jobs_for_07,
}


def test_the_generator_finds_a_drifted_your_turn_cell(tmp_path):
    make = _make_exercises()
    notebook = next(nb for nb in TURN_NOTEBOOKS if nb.name.startswith("01_"))
    cells = turn_cells(turn_file("01").read_text())
    nb = nbformat.read(notebook, as_version=4)
    assert make.turn_problems(notebook, cells, nb) == []
    (index,) = [i for i, c in enumerate(nb.cells)
                if f"{TAG}oldest_job" in c.metadata.get("tags", [])]
    nb.cells[index].source = nb.cells[index].source.replace("...", "return r.lindex(queue, -1)")
    assert make.turn_problems(notebook, cells, nb) == [
        "notebooks/01_run_redis.ipynb: the cell tagged your-turn:oldest_job has drifted from "
        "solutions/turns_01.py: run `make exercises`"]
    nb.cells[index + 1].metadata["tags"] = []
    assert "must run your_turn(\"01\", oldest_job" in make.turn_problems(notebook, cells, nb)[1]
    del nb.cells[index]
    assert "needs one code cell tagged your-turn:oldest_job, has 0" in \
        make.turn_problems(notebook, cells, nb)[0]


@pytest.mark.parametrize("notebook", TURN_NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_every_notebook_has_a_your_turn_with_its_check_below(notebook):
    nb = nbformat.read(notebook, as_version=4)
    number = notebook.name[:2]
    found = 0
    for i, cell in enumerate(nb.cells):
        tags = [t for t in cell.metadata.get("tags", []) if t.startswith(TAG)]
        if not tags:
            continue
        function = tags[0][len(TAG):]
        assert cell.cell_type == "code" and not cell.get("outputs"), \
            f"{notebook.name} cell {i}: a Your-turn cell is code, committed without output"
        below = nb.cells[i + 1]
        assert f'your_turn("{number}", {function}' in below.source
        assert "nbval-ignore-output" in below.metadata.get("tags", [])
        found += 1
    assert found >= 1, f"{notebook.name} has no Your-turn cell"


@pytest.mark.parametrize("notebook", TURN_NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_every_notebook_ends_with_a_questionnaire_before_its_key_points(notebook):
    cells = nbformat.read(notebook, as_version=4).cells
    (index,) = [i for i, c in enumerate(cells) if c.source.startswith("## Questionnaire")]
    assert cells[index + 1].source.startswith("## Key points")
    questions = [line for line in cells[index].source.splitlines() if line[:1].isdigit()]
    assert 5 <= len(questions) <= 10 and all("why" in q.lower() for q in questions)


def test_instructors_has_model_answers_for_every_questionnaire():
    section = (ROOT / "INSTRUCTORS.md").read_text().split("## Questionnaire answers", 1)[1]
    for notebook in NOTEBOOKS:
        assert f"### {notebook.name[:2]} " in section, f"no answers for {notebook.name}"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
