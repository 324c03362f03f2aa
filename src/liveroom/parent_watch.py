"""Workers of ``liveroom serve --workers N`` stop when their ``serve`` process dies, however it dies.

The serve process holds what makes the workers one server (the SQLite serve lock, the metrics directory); the
kernel releases the lock when it dies, kill -9 included. A worker left serving after that would be a second server
beside the next ``serve`` on the same file. On Linux each worker asks the kernel for SIGTERM when its parent dies
(``PR_SET_PDEATHSIG``), which uvicorn answers with a graceful shutdown. Elsewhere nothing is done.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

# Set by ``serve`` for its workers: the pid of the process they must not outlive.
SERVE_PID = "LIVEROOM_SERVE_PID"
_PR_SET_PDEATHSIG = 1


def stop_with_serve(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """In a worker (not the serve process itself): SIGTERM when ``serve`` dies. Answers whether it was arranged."""
    parent = environ.get(SERVE_PID, "")
    if not parent.isdigit() or int(parent) == os.getpid() or not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return False
    if os.getppid() != int(parent):  # it died before the request was made: nothing would ever send the signal
        os.kill(os.getpid(), signal.SIGTERM)
    return True
