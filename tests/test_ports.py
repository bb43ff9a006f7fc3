"""Processes started side by side get their ports without a race (a flake seen in make test).

A kernel that lost its port died with "Address already in use"; a server that loses its port to
another process must be started again elsewhere, not mistaken for the other process.
"""

from __future__ import annotations

import socket
import threading

import pytest

from workbook import processes, redis_runner, smtp_sink
from workbook.kernels import IpcKernelManager
from workbook.processes import free_port, listens_on, start_on_free_port

pytestmark = pytest.mark.slow  # real servers and kernels


def test_a_free_port_is_below_the_ports_the_os_hands_out():
    start = processes._ephemeral_ports_start()
    ports = {free_port() for _ in range(50)}
    assert all(1024 <= port < start for port in ports), sorted(ports)
    assert len(ports) > 40, "free_port should spread its picks"


@pytest.fixture
def taken_port():
    """A port another process (here: a socket of ours) listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def first_pick_is(monkeypatch):
    """Make free_port() hand out ``port`` first, as if another process had just taken it."""
    def give(port):
        real = processes.free_port
        picks = iter([port])
        monkeypatch.setattr(processes, "free_port", lambda *a: next(picks, None) or real(*a))
    return give


def test_a_redis_server_that_loses_its_port_starts_again_on_another(taken_port, first_pick_is,
                                                                    tmp_path):
    first_pick_is(taken_port)
    server = redis_runner.start_redis(tmp_path)
    try:
        assert server.port != taken_port
        assert server.client().ping()
        assert "Address already in use" in (tmp_path / "redis.log").read_text()
    finally:
        server.stop()


def test_the_smtp_sink_that_loses_its_port_starts_again_on_another(taken_port, first_pick_is,
                                                                   tmp_path):
    first_pick_is(taken_port)
    sink = smtp_sink.start_sink(tmp_path, rate=0)
    try:
        assert sink.port != taken_port and listens_on(sink.process, sink.port)
    finally:
        sink.stop()


def test_something_else_on_a_given_port_is_not_taken_for_our_server(taken_port, tmp_path):
    with pytest.raises(RuntimeError, match="in use"):
        redis_runner.start_redis(tmp_path, port=taken_port)


def test_a_server_that_fails_for_another_reason_says_so_at_once(tmp_path):
    def start(port):
        return processes.start_process(["python3", "-c", "raise SystemExit('no config')"],
                                       name="broken", log_dir=tmp_path)
    with pytest.raises(RuntimeError, match="no config"):
        start_on_free_port(start, what="the broken server", timeout=30)


def test_kernels_started_side_by_side_share_no_port_and_no_socket():
    managers = [IpcKernelManager(kernel_name="python3") for _ in range(2)]
    assert {km.transport for km in managers} == {"ipc"}
    assert managers[0].ip != managers[1].ip
    started = [threading.Thread(target=km.start_kernel) for km in managers]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    try:
        for km in managers:
            client = km.client()
            client.start_channels()
            client.wait_for_ready(timeout=60)
            reply = client.execute_interactive("6 * 7", timeout=60)
            assert reply["content"]["status"] == "ok"
            client.stop_channels()
    finally:
        for km in managers:
            km.shutdown_kernel(now=True)
