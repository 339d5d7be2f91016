"""A first-come, first-served lock: waiters are served in arrival order (threading.Lock lets a releasing thread
barge back in, which starves some waiters and stretches the latency tail)."""

import threading
from collections import deque
from contextlib import contextmanager


class FairLock:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append(gate)
        gate.acquire()  # released by the holder, who hands the lock straight to us

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False

    def __enter__(self) -> "FairLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class KeyedFairLocks:
    """One FairLock per key (e.g. per shop), created on first use."""

    def __init__(self) -> None:
        self._locks: dict[object, FairLock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, key: object):
        with self._guard:
            lock = self._locks.setdefault(key, FairLock())
        with lock:
            yield
