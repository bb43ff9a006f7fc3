"""hint(exercise, level): the idea, the API to look up, a skeleton with blanks; never the answer."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from workbook.checks import HINT_LEVELS, exercise_ids, hint, hint_text, solution_file

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = exercise_ids()


def solution_lines(exercise: str) -> list[str]:
    """The answer's non-trivial lines, whitespace-normalised: what no hint may contain."""
    source = solution_file(exercise).read_text()
    lines = []
    for block in source.split("### BEGIN SOLUTION")[1:]:
        for line in block.split("### END SOLUTION")[0].splitlines():
            code = " ".join(line.split("#")[0].split()) if "#" in line else " ".join(line.split())
            # As in test_teeth: shorter lines are furniture (`if item is None:`, `return report`).
            if len(code) > 20:
                lines.append(code)
    return lines


def test_every_exercise_has_hints():
    assert len(EXERCISES) == 17 and EXERCISES[0] == "01a" and EXERCISES[-1] == "10a"
    assert sorted(HINT_LEVELS) == [1, 2, 3]


@pytest.mark.parametrize("exercise", EXERCISES)
@pytest.mark.parametrize("level", sorted(HINT_LEVELS))
def test_no_hint_level_contains_a_line_of_the_answer(exercise, level):
    text = " ".join(hint_text(exercise, level).split())
    leaked = [line for line in solution_lines(exercise) if line in text]
    assert leaked == [], f"hint({exercise!r}, {level}) gives the answer away: {leaked}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_levels_get_more_concrete(exercise):
    idea, api, skeleton = (hint_text(exercise, level) for level in (1, 2, 3))
    assert idea.startswith(f"💡 {exercise}, the idea: ") and "Stuck?" not in idea
    assert f"hint({exercise!r}, 2)" in idea and f"hint({exercise!r}, 3)" in api
    assert "### HINT" not in api and len(api.splitlines()) >= 2
    assert skeleton.count("___") >= 2
    # The skeleton covers every function the student completes, by its real name.
    source = solution_file(exercise).read_text()
    completed = re.findall(r"^def (\w+)\(", source, re.MULTILINE)
    assert completed and all(f"def {name}(" in skeleton for name in completed)


@pytest.mark.parametrize(("args", "message"), [
    (("99z",), "There is no exercise '99z': choose one of 01a, 01b, 02a"),
    (("",), "There is no exercise '': choose one of 01a"),
    (("3a",), "There is no exercise '3a'"),
    (("03a", 4), "There is no hint level 4: choose 1 (the idea), 2 (the API to look up), "
                 "3 (a skeleton with blanks to fill)."),
    (("03a", 0), "There is no hint level 0"),
    (("03a", "2"), "There is no hint level '2'"),
])
def test_a_wrong_choice_gets_one_sentence_listing_the_choices(capsys, args, message):
    hint(*args)
    out = capsys.readouterr().out
    assert message in out and len(out.strip().splitlines()) == 1 and "Traceback" not in out


def test_make_hint_still_works():
    """Run the Makefile's own recipe (its `setup` prerequisite aside), as `make hint EX=03a`."""
    [recipe] = re.findall(r"^hint:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    command = recipe.lstrip("@").replace("$(PY)", shlex.quote(sys.executable))
    # The Makefile exports EX; older recipes spelled it in place.
    result = subprocess.run(command.replace("$(EX)", "03a"), shell=True, cwd=ROOT,
                            env={**os.environ, "EX": "03a"}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("💡 03a, the idea: a job is a function's import path")
