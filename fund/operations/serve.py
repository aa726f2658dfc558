"""``fund serve``: the quick start's whole system in one command — the web application and one
worker, in one process group, stopped together by Ctrl-C (SIGINT) or SIGTERM.

The web server runs in this process (Werkzeug's threaded server, as ``fund run``); the worker is a
child process (``python -m fund worker``) with the same environment, so it is the very worker that
production runs on its own. When either stops, the other is stopped too. Production keeps gunicorn
and separate ``fund worker`` processes (see the README's deployment guide).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

from flask import Flask
from werkzeug.serving import make_server

# How long the worker may take to finish the claim in hand after it is asked to stop.
WORKER_STOP_SECONDS = 30


def _die_with_parent() -> None:
    """In the worker child (Linux): receive SIGTERM when ``fund serve`` dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (AttributeError, OSError):  # not Linux: Ctrl-C reaches the whole group anyway
        pass


def start_worker(interval: float) -> subprocess.Popen:
    """Start ``fund worker --interval`` as a child process with this process's environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "fund", "worker", "--interval", str(interval)],
        env=os.environ.copy(),
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
    )


def stop_worker(worker: subprocess.Popen) -> int:
    """Ask the worker to stop (SIGTERM: it finishes the claim in hand), else kill it; its exit code."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return worker.returncode


def serve(app: Flask, host: str, port: int, worker_interval: float, echo: Callable[[str], None]) -> int:
    """Serve ``app`` on ``host:port`` with one worker until Ctrl-C, SIGTERM or the worker's end.

    Returns the exit code: 0 when stopped by a signal, 1 when the worker ended on its own.
    """
    server = make_server(
        host, port, app, threaded=True
    )  # binds now: a busy port fails before the worker starts
    worker = start_worker(worker_interval)
    worker_ended = threading.Event()

    def watch_worker() -> None:  # a worker that dies takes the web server with it: both or neither
        worker.wait()
        worker_ended.set()
        server.shutdown()

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # ends serve_forever in the main thread

    # Both signals, even where SIGINT was ignored when the process started (a shell's `&`).
    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    threading.Thread(target=watch_worker, name="fund-serve-watch", daemon=True).start()
    echo(
        f"serving on http://{host}:{server.port} with a worker every {worker_interval:g} s "
        f"(pid {worker.pid}); Ctrl-C stops both"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.server_close()
        code = stop_worker(worker)
    if worker_ended.is_set() and code not in (0, -signal.SIGTERM):
        echo(f"the worker stopped (exit {code}): the web server stopped with it")
        return 1
    echo("stopped the web server and the worker")
    return 0
