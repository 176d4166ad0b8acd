"""A helper process that runs functions for its parent: here, the landing gates (crossdock.ingest).

GX takes ~2 s of interpreter time to import; in the ingesting process it held the GIL against the
parser threads. The worker imports it on its own core while the files parse. It is a plain
`python -m crossdock.gate_worker` child (not multiprocessing's spawn, which imports the parent's
main module again in the child), talking pickle over two pipes: a request is (module, function
name, args), a reply (ok, result or exception). It exits when its parent closes the pipe or dies.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")


class WorkerGone(RuntimeError):
    """The worker could not start or died; the caller may run the function itself."""


class Worker:
    """One child process; `call` is thread-safe (one request at a time)."""

    def __init__(self, warm_up: Callable[[], object]) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        target = f"{warm_up.__module__}:{warm_up.__qualname__}"
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crossdock.gate_worker",
                str(to_child_r),
                str(from_child_w),
                target,
            ],
            pass_fds=(to_child_r, from_child_w),
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._send: BinaryIO = os.fdopen(self._to_child, "wb")
        self._recv: BinaryIO = os.fdopen(self._from_child, "rb")
        self._lock = threading.Lock()
        atexit.register(self.close)

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            try:
                pickle.dump((fn.__module__, fn.__qualname__, args), self._send, protocol=5)
                self._send.flush()
                ok, value = pickle.load(self._recv)
            except (OSError, EOFError, pickle.UnpicklingError) as exc:
                raise WorkerGone(f"gate worker (pid {self._proc.pid}) is gone: {exc!r}") from exc
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Close the pipe and wait for the worker to exit (so that its CPU time and memory are
        accounted to this process, as `getrusage(RUSAGE_CHILDREN)` and `time -v` read them)."""
        for pipe in (self._send, self._recv):
            with contextlib.suppress(OSError):
                pipe.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def _resolve(module: str, qualname: str) -> Callable[..., Any]:
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def serve(recv: BinaryIO, send: BinaryIO, warm_up: str) -> None:
    """The worker's loop: call `warm_up` ("module:function"), then answer requests until the
    parent closes the pipe."""
    _resolve(*warm_up.split(":", 1))()
    while True:
        try:
            module, qualname, args = pickle.load(recv)
        except EOFError:
            return
        try:
            reply: tuple[bool, Any] = (True, _resolve(module, qualname)(*args))
        except Exception as exc:  # handed to the caller, which raises it
            reply = (False, exc)
        try:
            pickle.dump(reply, send, protocol=5)
        except Exception as exc:  # an unpicklable result or exception
            pickle.dump((False, RuntimeError(f"{qualname}: unpicklable reply: {exc!r}")), send)
        send.flush()


if __name__ == "__main__":
    with (
        os.fdopen(int(sys.argv[1]), "rb") as _recv,
        os.fdopen(int(sys.argv[2]), "wb") as _send,
        contextlib.suppress(BrokenPipeError),  # the parent went away mid-reply
    ):
        serve(_recv, _send, sys.argv[3])
    # Nothing left to flush or clean up: skip the interpreter's teardown of GX's modules, which
    # the parent would otherwise wait for at its exit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
