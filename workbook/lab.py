"""How the workbook starts JupyterLab (``make lab``): one command line, fit for where it runs.

Headless machines and containers get ``--no-browser`` (the URL to open is printed instead),
root gets ``--allow-root``, and the news prompt, which would cover the first notebook and asks
to contact the internet, is switched off. The environment's ``bin/`` goes first on PATH, and
terminals are not login shells (whose /etc/profile may reset PATH), so the ``rq worker``
command a notebook prints runs as printed in JupyterLab's terminals.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from workbook import PROJECT_ROOT

FIRST_NOTEBOOK = "notebooks/00_welcome_to_the_workbook.ipynb"
#: overrides.json: JupyterLab settings for the workbook (the news prompt off).
SETTINGS = Path(__file__).with_name("lab_settings")


def has_display() -> bool:
    """Whether a browser could open here: macOS and Windows always, Linux with X or Wayland."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


#: What a bash terminal of `make lab` runs first: the user's own ~/.bashrc, then this
#: environment's activate script, so `rq` and `flask` are this environment's even where
#: ~/.bashrc puts pyenv's or conda's first on PATH.
TERMINAL_RC = """[ -f ~/.bashrc ] && . ~/.bashrc
. "{activate}"
"""


def terminal_shell() -> list[str]:
    """The shell JupyterLab's terminals run: interactive, not a login shell, this env active.

    A login shell runs /etc/profile, which on Debian resets PATH; an interactive bash runs
    ~/.bashrc, which may put another Python's ``flask`` first (pyenv's shims). So bash gets an
    rc file that sources ~/.bashrc and then this environment's ``bin/activate``.
    """
    shell = os.environ.get("SHELL") or "/bin/bash"
    activate = Path(sys.prefix) / "bin" / "activate"
    if Path(shell).name != "bash" or not activate.exists():
        return [shell, "-i"]
    rcfile = Path(sys.prefix) / "etc" / "workbook-terminal.bashrc"
    rcfile.parent.mkdir(parents=True, exist_ok=True)
    rcfile.write_text(TERMINAL_RC.format(activate=activate))
    return [shell, "--rcfile", str(rcfile), "-i"]


def lab_command(notebook: str = FIRST_NOTEBOOK, port: int | None = None,
                token: str | None = None, root_dir: Path = PROJECT_ROOT,
                extra: Sequence[str] = ()) -> list[str]:
    """The ``jupyter lab`` command line for this machine (tests add a port, token, options)."""
    cmd = [
        sys.executable, "-m", "jupyter", "lab",
        # The whole workbook in the file browser (students edit exercises/), opened on one notebook.
        f"--ServerApp.root_dir={root_dir}",
        f"--LabApp.default_url=/lab/tree/{notebook}",
        # No news prompt over the first notebook, and no calls to the internet for it.
        "--LabApp.news_url=None", f"--LabApp.app_settings_dir={SETTINGS}",
        # Terminals as an interactive, non-login shell: a login shell runs /etc/profile, which
        # on Debian resets PATH, and `rq` (this environment's bin/) is then "command not found".
        f"--ServerApp.terminado_settings={json.dumps({'shell_command': terminal_shell()})}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    if not has_display():
        cmd.append("--no-browser")
    if port is not None:
        cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if token is not None:
        cmd.append(f"--IdentityProvider.token={token}")
    return cmd + list(extra)


def lab_env() -> dict[str, str]:
    """This environment with its ``bin/`` first on PATH (for JupyterLab's terminals)."""
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}


def main() -> int:
    """Replace this process with JupyterLab (``make lab``)."""
    cmd = lab_command()
    if "--no-browser" in cmd:
        print("No display here, so no browser opens: open the http://...lab?token=... URL that "
              "JupyterLab prints below.", flush=True)
    os.chdir(PROJECT_ROOT)
    os.execve(cmd[0], cmd, lab_env())
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
