"""Re-execute notebooks in place, as a student's first run, in this interpreter's kernel.

    python tools/execute_notebooks.py notebooks/03_enqueue_the_email.ipynb ...

Run it with untouched exercises and no WORKBOOK_* variables set, so the committed outputs are
what a student sees first (the 30 s mail server included). Cell tags are kept.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from workbook.kernels import AsyncIpcKernelManager

ROOT = Path(__file__).resolve().parent.parent


def main(paths: list[str]) -> int:
    stray = sorted(name for name in os.environ
                   if name.startswith("WORKBOOK_") and name != "WORKBOOK_START_PROCESSES")
    if stray:
        print(f"Unset {', '.join(stray)} first: committed outputs are a student's first run.")
        return 2
    # The kernel cannot open a terminal, so it starts the student's worker itself; the cells
    # that report it are nbval-ignore-output, so the committed text is never compared.
    os.environ["WORKBOOK_START_PROCESSES"] = "1"
    for path in paths:
        started = time.monotonic()
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=1800, kernel_name="python3",
                                kernel_manager_class=AsyncIpcKernelManager,
                                resources={"metadata": {"path": str(ROOT / "notebooks")}})
        client.execute()
        nbformat.write(nb, path)
        print(f"{path}: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
