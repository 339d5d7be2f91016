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

    def acquire(self, timeout: float | None = None) -> bool:
        """Wait in line for the lock; False if `timeout` seconds pass first (the place in line is given up)."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append(gate)
        if gate.acquire(timeout=-1 if timeout is None else max(timeout, 0)):
            return True  # released by the holder, who handed the lock straight to us
        with self._mutex:
            if gate in self._waiters:  # still in line: leave it
                self._waiters.remove(gate)
                return False
        gate.acquire()  # handed over just as we gave up: it is ours after all
        return True

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
    def hold(self, key: object, *, timeout: float | None = None):
        """Hold the key's lock; TimeoutError if `timeout` seconds pass first."""
        with self._guard:
            lock = self._locks.setdefault(key, FairLock())
        if not lock.acquire(timeout=timeout):
            raise TimeoutError(f"waited {timeout} s for {key!r}")
        try:
            yield
        finally:
            lock.release()
