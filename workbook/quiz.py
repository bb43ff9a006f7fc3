"""Self-check quizzes and predictions: questions as data (quizzes.toml), rendered as HTML.

A quiz renders each choice as a ``<details>`` element: the student picks one and opens it to
read whether it is right and, for a wrong choice, the misconception it reveals. It works in
JupyterLab, in a static view and on GitHub, needs no kernel callback, and gives nbval the
same HTML on every run. A prediction shows the choices without the answers; the student notes
a letter in a code cell, runs the experiment, and :func:`reveal` compares.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from pathlib import Path

from IPython.display import HTML

DATA = Path(__file__).with_name("quizzes.toml")
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class Choice:
    text: str
    right: bool
    why: str  # the right choice: why it is right; a wrong one: the misconception it reveals


@dataclass(frozen=True)
class Question:
    prompt: str
    choices: tuple[Choice, ...]
    code: str = ""  # a few lines the question asks about, shown as a code block

    def __post_init__(self):
        if sum(choice.right for choice in self.choices) != 1:
            raise ValueError(f"exactly one right choice is needed: {self.prompt!r}")
        if len(self.choices) < 3 or any(not choice.why.strip() for choice in self.choices):
            raise ValueError(f"three or more choices, each with its why: {self.prompt!r}")

    @property
    def answer(self) -> str:
        return next(LETTERS[i] for i, choice in enumerate(self.choices) if choice.right)


def load(path: Path = DATA) -> dict[str, list[Question]]:
    """Every quiz and prediction in ``path``, by name (``"01"``, ``"predict-05"``...)."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {name: [Question(q["prompt"], tuple(Choice(**c) for c in q["choices"]),
                            q.get("code", ""))
                   for q in questions]
            for name, questions in raw.items()}


def render(questions: list[Question], answers: bool = True) -> str:
    """The questions as HTML; with ``answers``, each choice folds open to its verdict."""
    parts = []
    for number, question in enumerate(questions, 1):
        items = []
        for letter, choice in zip(LETTERS, question.choices, strict=False):
            label = f"<b>{letter}.</b> {html.escape(choice.text)}"
            if not answers:
                items.append(f"<li>{label}</li>")
                continue
            verdict = "✅ Right." if choice.right else "❌ Not quite."
            items.append(f"<li><details><summary>{label}</summary><p>{verdict} "
                         f"{html.escape(choice.why)}</p></details></li>")
        code = f"<pre>{html.escape(question.code)}</pre>" if question.code else ""
        parts.append(f"<p><b>{number}. {html.escape(question.prompt)}</b></p>{code}"
                     f"<ul style='list-style:none'>{''.join(items)}</ul>")
    return "".join(parts)


def quiz(name: str) -> HTML:
    """Display the self-check quiz ``name``: pick an answer, then click it to check."""
    intro = "<p><i>Pick an answer, then click it to see whether it is right, and why.</i></p>"
    return HTML(intro + render(load()[name]))


def predict(name: str) -> HTML:
    """Display a prediction question without its answer."""
    intro = ("<p><i>Predict before you run: note the letter of your answer in the next cell, "
             "then run the cells below and see.</i></p>")
    return HTML(intro + render(load()[name], answers=False))


def reveal(name: str, guess: str) -> str:
    """Compare a student's letter with what happened; return the sentence to print."""
    [question] = load()[name]
    right = question.choices[LETTERS.index(question.answer)]
    guess = (guess or "").strip().upper()[:1]
    if len(guess) != 1 or guess not in LETTERS[: len(question.choices)]:
        opening = "You did not note a prediction."
    elif guess == question.answer:
        opening = f"You predicted {guess}: right."
    else:
        wrong = question.choices[LETTERS.index(guess)]
        opening = f"You predicted {guess}, a common belief: {wrong.why}"
    return f"{opening} What happened is {question.answer}: {right.why}"
