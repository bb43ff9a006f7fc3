"""Run notebooks the way a person does, and fail where a person's pace breaks them.

    python tools/paced_run.py notebooks/03_enqueue_the_email.ipynb --state exercises
    python tools/paced_run.py --ci          # 03, 04 and 06, untouched and solved, side by side
    python tools/paced_run.py notebooks/02_feel_the_slow_signup.ipynb --twice-fast
    python tools/paced_run.py --twice-every-notebook   # --twice-fast on each, two at a time

A person reads before each cell, starts ``rq worker`` in a terminal when a cell prints the
command, spends ten minutes or more on the exercises, runs a cell twice, and restarts the kernel.
For each notebook this runner does all of that, in a real kernel, with RQ's real TTLs:

1. a reading pause before every code cell (``--pause``);
2. when a cell prints an ``rq worker`` command, it runs that exact line in a shell of its own
   (as a terminal would, with the environment's ``bin/`` first on PATH): in the first pass
   ``--worker-delay`` seconds later, while the notebook is already waiting for it; after the
   restart at once, before the cell that waits;
3. every code cell but the ones that create or close the ``Workbench`` runs twice in a row
   (``--twice``);
4. the kernel is restarted after ``--restart-after`` (by default the last cell before the
   first exercise), and the notebook is run again from the top;
5. before the first exercise cell of the second pass, one long pause (``--exercise-pause``,
   600 s by default: longer than RQ's 500 s ``result_ttl``, the shortest TTL a checkpoint
   could lean on).

It fails if a cell raises (cells tagged ``raises-exception`` excepted), if a ✅ checkpoint line
does not appear, or, in the solved state, if a check cell prints ❌. It prints each cell's
time, so the same run measures a notebook at a reading pace. ``WORKBOOK_START_PROCESSES`` is
never set here: the notebook must find the worker the "student" started. ``--twice-fast`` is
the quick check that a rerun breaks nothing: one pass at machine speed (no pauses, break or
restart; the command typed at once), each code cell twice in a row.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbook.kernels import AsyncIpcKernelManager  # noqa: E402
from workbook.processes import ManagedProcess, start_process  # noqa: E402
from workbook.terminals import PRINTED_COMMAND as COMMAND  # noqa: E402

BIN = Path(sys.executable).parent
#: The notebooks and states CI runs, each in a process of its own, side by side.
CI_NOTEBOOKS = ["03_enqueue_the_email", "04_watch_jobs", "06_schedule_and_repeat"]
CI_STATES = ["exercises", "solutions"]
SLOWEST_FIRST = ("02", "10", "08", "09")  # --twice-fast: 2 to 5 minutes each, the rest 1 or less
EXERCISE_CALLS = ("check(", "try_it(", "run_your_delivery(", "run_your_limiter(", "your_turn(")


@dataclass
class Run:
    """One paced run of one notebook: its kernel, the 'terminal' workers, what it measured."""

    path: Path
    state: str
    pause: float
    exercise_pause: float
    worker_delay: float
    twice: str
    restart_after: int | None
    one_pass_only: bool = False
    timings: list[tuple[str, float]] = field(default_factory=list)  # (label, seconds)
    terminals: list[ManagedProcess] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    paused: float = 0.0
    _requests: queue.Queue = field(default_factory=queue.Queue)
    _terminal_thread: threading.Thread | None = None
    _closing: bool = False
    _typed: set[str] = field(default_factory=set)

    def _terminal_loop(self) -> None:
        """Start each requested command when it is due, from this one long-lived thread.

        Children die with the thread that started them (PR_SET_PDEATHSIG is per thread), so
        the 'terminal' outlives a cell only if its starter does: this thread lasts the run.
        """
        while (request := self._requests.get()) is not None:
            due, line = request
            time.sleep(max(0.0, due - time.monotonic()))
            if not self._closing:
                self.start_terminal(line)
            self._requests.task_done()

    def type_later(self, line: str, delay: float) -> None:
        if self._terminal_thread is None:
            self._terminal_thread = threading.Thread(target=self._terminal_loop, daemon=True)
            self._terminal_thread.start()
        self._requests.put((time.monotonic() + delay, line))
        if delay == 0:
            self._requests.join()  # typed before the next cell runs

    def say(self, text: str) -> None:
        print(f"[{self.path.stem[:2]} {self.state}] {text}", flush=True)

    def sleep(self, seconds: float, why: str) -> None:
        if seconds >= 30:
            self.say(f"pause {seconds:.0f} s: {why}")
        time.sleep(seconds)
        self.paused += seconds

    def start_terminal(self, line: str) -> None:
        """Run the printed command as a student's terminal does (an activated environment)."""
        env = {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               "VIRTUAL_ENV": str(BIN.parent)}
        name = f"{self.path.stem[:2]}-{self.state}-terminal-{len(self.terminals)}"
        process = start_process(["bash", "-c", f"exec env {line}"], name=name, env=env,
                                log_dir=ROOT / "test-artifacts" / "paced")
        self.terminals.append(process)
        self.say(f"terminal: started the printed command (pid {process.pid})")
        time.sleep(3)
        if not process.running():
            self.problems.append(f"the printed command exited at once: {process.log()[-500:]!r}")

    def commands_in(self, cell) -> list[str]:
        text = "".join(output.get("text", "") for output in cell.get("outputs", [])
                       if output.get("output_type") == "stream")
        return COMMAND.findall(text)

    def run_twice(self, cell) -> bool:
        return self.twice != "none" and not re.search(r"Workbench\(|lab\.close\(\)", cell.source)

    def execute(self, client: NotebookClient, nb, index: int, label: str) -> None:
        cell = nb.cells[index]
        started = time.monotonic()
        try:
            client.execute_cell(cell, index)
        except CellExecutionError as error:
            if "raises-exception" not in cell.metadata.get("tags", []):
                plain = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
                last = plain.strip().splitlines()[-1:] or ["?"]
                self.problems.append(f"cell {index} ({label}) raised: {last[0]}")
        self.timings.append((label, time.monotonic() - started))

    def one_pass(self, nb, cells: list[int], worker_delay: float, exercise_pause: float,
                 name: str) -> None:
        """Run ``cells`` of ``nb`` in a fresh kernel, paced; the kernel shuts down after."""
        client = NotebookClient(nb, timeout=1800, kernel_name="python3", allow_errors=False,
                                kernel_manager_class=AsyncIpcKernelManager,
                                resources={"metadata": {"path": str(self.path.parent)}})
        first_exercise = next((i for i in cells if any(call in nb.cells[i].source
                                                       for call in EXERCISE_CALLS)), None)
        with client.setup_kernel():
            for index in cells:
                cell = nb.cells[index]
                if cell.cell_type != "code":
                    continue
                if index == first_exercise:
                    self.sleep(exercise_pause, "the student works on the exercises")
                self.sleep(self.pause, "reading")
                label = f"{name} {index}: {cell.source.strip().splitlines()[0][:60]}"
                self.execute(client, nb, index, label)
                for line in self.commands_in(cell):
                    if line not in self._typed:  # a cell run again prints it again: typed once
                        self._typed.add(line)
                        self.type_later(line, worker_delay)
                if self.run_twice(cell):
                    self.sleep(self.pause, "reading the output, then running the cell again")
                    self.execute(client, nb, index, label + " (again)")
                if self.problems:
                    return

    def check_outputs(self, nb) -> None:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            text = "".join(o.get("text", "") for o in cell.get("outputs", []))
            if "print(\"✅" in cell.source or "print(f\"✅" in cell.source:
                if "✅" not in text:
                    self.problems.append(f"cell {index}: no ✅ line: {text[-300:]!r}")
            if self.state == "solutions" and any(call in cell.source for call in EXERCISE_CALLS):
                if "❌" in text or "⏳" in text:
                    self.problems.append(f"cell {index}: solved, yet: {text[-300:]!r}")

    def run(self) -> int:
        nb = nbformat.read(self.path, as_version=4)
        code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        exercise = [i for i in code if any(call in nb.cells[i].source for call in EXERCISE_CALLS)]
        restart = self.restart_after
        if restart is None:
            restart = max([i for i in code if not exercise or i < exercise[0]], default=code[0])
        started, everything = time.monotonic(), list(range(len(nb.cells)))
        passes = [(everything, self.worker_delay, self.exercise_pause, "pass")]
        if not self.one_pass_only:  # --once and --twice-fast: top to bottom, no restart
            passes = [([i for i in everything if i <= restart], self.worker_delay, 0, "pass 1"),
                      (everything, 0, self.exercise_pause, "pass 2")]
        try:
            for number, (cells, worker_delay, exercise_pause, name) in enumerate(passes):
                if number:
                    self.say(f"restarting the kernel after cell {restart}, then from the top")
                    nb = nbformat.read(self.path, as_version=4)
                self.one_pass(nb, cells, worker_delay, exercise_pause, name)
                if self.problems:
                    break
            else:
                self.check_outputs(nb)
        finally:
            self._closing = True
            if self._terminal_thread is not None:
                self._requests.put(None)
                self._terminal_thread.join(timeout=self.worker_delay + 30)
            for terminal in self.terminals:
                terminal.stop()
        self.report(time.monotonic() - started)
        return 1 if self.problems else 0

    def report(self, wall: float) -> None:
        ran = sum(seconds for _, seconds in self.timings)
        lines = [f"{seconds:7.1f} s  {label}" for label, seconds in self.timings if seconds >= 0.5]
        self.say("cells taking 0.5 s or more:\n" + "\n".join(lines))
        self.say(f"wall {wall:.0f} s = cells {ran:.0f} s + pauses {self.paused:.0f} s "
                 f"(pace: {self.pause:g} s before each cell, {self.exercise_pause:g} s exercise "
                 f"break, worker typed {self.worker_delay:g} s after its command)")
        for problem in self.problems:
            self.say(f"FAILED: {problem}")
        self.say("failed" if self.problems else "passed")


def run_one(args) -> int:
    os.environ.pop("WORKBOOK_START_PROCESSES", None)  # the student starts the worker here
    os.environ["WORKBOOK_TARGET"] = args.state
    os.environ.setdefault("WORKBOOK_MAIL_DELAY", "30" if args.state == "exercises" else "2")
    pace = [0, 0, 0] if args.twice_fast else [args.pause, args.exercise_pause, args.worker_delay]
    run = Run(Path(args.notebook).resolve(), args.state, *pace,
              "none" if args.once else args.twice, args.restart_after, args.once or args.twice_fast)
    return run.run()


def side_by_side(runs: list[tuple[str, list[str]]], at_most: int) -> int:
    """Run this script with each ``(name, arguments)``, a process each, ``at_most`` at once."""
    logs, waiting, running, failed = ROOT / "test-artifacts" / "paced", list(runs), [], []
    try:
        while waiting or running:
            while waiting and len(running) < at_most:
                name, arguments = waiting.pop(0)
                (logs / f"{name}.log").unlink(missing_ok=True)  # this run's log, not the last's
                running.append((name, start_process([sys.executable, __file__, *arguments],
                                                    name=name, log_dir=logs)))
            for name, child in [(n, c) for n, c in running if not c.running()]:
                running.remove((name, child))
                print(child.log(), flush=True)
                failed += [name] if child.wait() else []
            time.sleep(1)
    finally:
        for _, child in running:
            child.stop()
    print(f"paced runs: {len(runs) - len(failed)} of {len(runs)} passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?")
    parser.add_argument("--ci", action="store_true", help="03, 04, 06 in both states")
    parser.add_argument("--state", choices=CI_STATES, default="exercises")
    parser.add_argument("--pause", type=float, default=3.0, help="seconds before each cell")
    parser.add_argument("--exercise-pause", type=float, default=600.0)
    parser.add_argument("--worker-delay", type=float, default=20.0,
                        help="seconds between a printed rq worker command and its start")
    parser.add_argument("--twice", choices=["all", "none"], default="all")
    parser.add_argument("--restart-after", type=int, default=None, help="cell index")
    parser.add_argument("--once", action="store_true",
                        help="one pass, no reruns, no restart: how long a notebook takes at a pace")
    parser.add_argument("--twice-fast", action="store_true", help="every code cell twice, no pause")
    parser.add_argument("--twice-every-notebook", action="store_true", help="--twice-fast on each")
    args = parser.parse_args(argv)
    if args.ci:  # six runs that mostly sleep: all at once
        pace = ["--pause", str(args.pause), "--exercise-pause", str(args.exercise_pause),
                "--worker-delay", str(args.worker_delay)]
        return side_by_side([(f"{name[:2]}-{state}", [str(ROOT / "notebooks" / f"{name}.ipynb"),
                                                      "--state", state, *pace])
                             for name in CI_NOTEBOOKS for state in CI_STATES], at_most=6)
    if args.twice_every_notebook:  # busy the whole time: two at a time on two cores
        notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"),
                           key=lambda path: (path.stem[:2] not in SLOWEST_FIRST, path.name))
        return side_by_side([(f"{path.stem[:2]}-twice", [str(path), "--twice-fast",
                                                         "--state", args.state])
                             for path in notebooks], at_most=2)
    if not args.notebook:
        parser.error("name a notebook, --ci or --twice-every-notebook")
    return run_one(args)


if __name__ == "__main__":
    raise SystemExit(main())
