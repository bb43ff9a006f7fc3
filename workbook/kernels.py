"""Kernel managers whose kernels talk over Unix sockets, for kernels started side by side.

``make test`` starts many Jupyter kernels at once (nbval, the paced runs, JupyterLab). Over TCP,
jupyter_client picks each kernel's five ports by binding to port 0 and closing the socket, and
the kernel binds them a moment later: in between, any other process can be handed the same
port (another kernel's choice, or a client's outgoing connection), and the kernel dies with
``ZMQError: Address already in use`` ("Kernel died before replying to kernel_info"). Seen once
in a fresh-clone ``make test``. Over ``ipc`` a kernel's sockets are files in a folder no other
process uses, so there is nothing to race for.

A student's own ``make lab`` keeps the default (TCP): one person starts one kernel at a time.
Windows has no ``ipc`` transport, so there the classes fall back to TCP.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import sys
import tempfile

from jupyter_client.manager import AsyncKernelManager, KernelManager
from traitlets import default

#: ``ipc`` where zmq has it (Linux, macOS); ``tcp`` on Windows.
TRANSPORT = "tcp" if sys.platform == "win32" else "ipc"
#: The option that gives a Jupyter server's kernels the same transport.
SERVER_OPTION = f"--KernelManager.transport={TRANSPORT}"

_folder: str | None = None
_count = itertools.count(1)


def _socket_prefix() -> str:
    """A path prefix of this process's own, one per kernel manager (``<folder>/k3``)."""
    global _folder
    if _folder is None:
        # Short: a Unix socket's path may hold about 100 bytes (104 on macOS, 108 on Linux).
        _folder = tempfile.mkdtemp(prefix="wbk-")
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    return os.path.join(_folder, f"k{next(_count)}")


class _IpcDefaults:
    @default("transport")
    def _transport_default(self) -> str:
        return TRANSPORT

    @default("ip")
    def _ip_default(self) -> str:
        # jupyter_client numbers the sockets ``<ip>-1`` to ``<ip>-5``; with ipc, ``ip`` is the
        # path prefix. The default (``kernel-ipc`` in the working directory) is shared.
        return _socket_prefix() if self.transport == "ipc" else super()._ip_default()


class IpcKernelManager(_IpcDefaults, KernelManager):
    """:class:`~jupyter_client.manager.KernelManager`, on Unix sockets (what nbval uses)."""


class AsyncIpcKernelManager(_IpcDefaults, AsyncKernelManager):
    """:class:`~jupyter_client.manager.AsyncKernelManager`, on Unix sockets (nbclient's)."""
