"""Quizzes, predictions and try-it cells: the data is sound and every notebook uses them."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from workbook import quiz, your_code

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def test_every_notebook_has_a_quiz_of_three_to_five_questions():
    quizzes = quiz.load()
    for number in (path.name[:2] for path in NOTEBOOKS):
        assert 3 <= len(quizzes[number]) <= 5, number


def test_every_choice_explains_itself_and_one_is_right():
    for name, questions in quiz.load().items():
        for question in questions:
            assert sum(c.right for c in question.choices) == 1, (name, question.prompt)
            assert all(len(c.why) > 15 for c in question.choices), (name, question.prompt)


def test_a_question_without_a_right_choice_is_refused():
    wrong = quiz.Choice("x", False, "because")
    with pytest.raises(ValueError, match="exactly one right"):
        quiz.Question("?", (wrong, wrong, wrong))


def test_the_quiz_folds_each_verdict_and_the_prediction_hides_it():
    [question] = quiz.load()["predict-05"]
    folded = quiz.render([question])
    assert folded.count("<details>") == len(question.choices) and "✅ Right." in folded
    hidden = quiz.render([question], answers=False)
    assert "<details>" not in hidden and "Right" not in hidden
    assert "B." in hidden


@pytest.mark.parametrize(("guess", "opening"), [
    ("b", "You predicted B: right."), ("A", "You predicted A, a common belief: that a worker"),
    ("", "You did not note a prediction."), ("Z", "You did not note a prediction."),
])
def test_reveal_compares_the_guess_with_what_happened(guess, opening):
    said = quiz.reveal("predict-05", guess)
    assert said.startswith(opening) and "What happened is B:" in said


def _sources(path):
    return [cell.source for cell in nbformat.read(path, as_version=4).cells]


def test_every_notebook_has_a_quiz_cell_and_a_try_it_cell():
    for path in NOTEBOOKS:
        sources = _sources(path)
        assert any(f'quiz("{path.name[:2]}")' in s for s in sources), path.name
        assert any(s.startswith("**Try it here.**") for s in sources), path.name


def test_four_predictions_are_made_before_they_are_answered():
    made = [name for path in NOTEBOOKS for s in _sources(path) for name in quiz.load()
            if name.startswith("predict-") and f'predict("{name}")' in s]
    assert sorted(made) == ["predict-05", "predict-06", "predict-07", "predict-10"]


def test_try_it_reports_a_stub_a_mistake_and_a_result(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("WORKBOOK_TARGET", str(tmp_path))
    (tmp_path / "ex99z_try.py").write_text(
        "def stub():\n    raise NotImplementedError\n\ndef broken():\n    return 1 / 0\n\n"
        "def fine():\n    return 42\n")
    assert your_code.try_it("ex99z_try", lambda ex: ex.stub()) is None
    assert your_code.try_it("ex99z_try", lambda ex: ex.broken()) is None
    assert your_code.try_it("ex99z_try", lambda ex: ex.fine()) == 42
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("⏳ Not started yet: open exercises/ex99z_try.py")
    assert lines[1] == "❌ ZeroDivisionError: division by zero"
    assert lines[2] == "Your code gave: 42"
