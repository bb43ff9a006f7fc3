"""Links a student can click: through the Jupyter server when the notebook runs in one.

The notebook's own HTTP calls go straight to ``http://127.0.0.1:<port>``. A browser may not
reach that address: on JupyterHub or Binder it reaches only the Jupyter server. There,
jupyter-server-proxy serves the app at ``<base URL>proxy/<port>/``, so the links the notebooks
show go that way. Run outside a Jupyter server (nbval, a terminal), they stay on 127.0.0.1.
"""

from __future__ import annotations

import functools
import html
import os
from urllib.parse import urlsplit

from jupyter_server.serverapp import list_running_servers


@functools.cache
def jupyter_base_url() -> str | None:
    """The base URL (``/`` or ``/user/ada/``) of the Jupyter server running this kernel, or None.

    A hub tells its servers their prefix; a plain JupyterLab is this kernel's parent process,
    and writes its base URL into a runtime file that ``list_running_servers`` reads.
    """
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX")
    if prefix:
        return prefix if prefix.endswith("/") else prefix + "/"
    parent = os.getppid()
    for server in list_running_servers():
        if server.get("pid") == parent:
            return server.get("base_url") or "/"
    return None


def browser_url(base: str, path: str = "/") -> str:
    """Where a browser opens ``path`` of the app served at ``base`` (``http://127.0.0.1:<port>``)."""
    prefix = jupyter_base_url()
    if prefix is None:
        return f"{base}{path}"
    return f"{prefix}proxy/{urlsplit(base).port}{path}"


class Link:
    """A clickable link in a notebook (a new tab), printed as ``label: url`` in plain text."""

    def __init__(self, base: str, path: str, label: str, note: str = ""):
        self.url = browser_url(base, path)
        self.label, self.note = label, note

    def __repr__(self) -> str:
        return f"{self.label}: {self.url}{'  ' + self.note if self.note else ''}"

    def _repr_html_(self) -> str:
        note = f" {html.escape(self.note)}" if self.note else ""
        return (f'<p>{html.escape(self.label)}: <a href="{html.escape(self.url)}" '
                f'target="_blank" rel="noopener">{html.escape(self.url)}</a>{note}</p>')
