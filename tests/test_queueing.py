"""The first-come, first-served lock behind SQLite's writer queue and each shop's counter queue."""

import threading
import time

from app.queueing import FairLock, KeyedFairLocks


def test_waiters_are_served_in_arrival_order():
    lock = FairLock()
    served: list[int] = []
    lock.acquire()
    threads = []
    for i in range(8):
        t = threading.Thread(target=lambda i=i: (lock.acquire(), served.append(i), lock.release()))
        t.start()
        threads.append(t)
        time.sleep(0.02)  # each waiter is queued before the next one arrives
    lock.release()
    for t in threads:
        t.join(5)
    assert served == list(range(8))


def test_a_releasing_thread_cannot_barge_ahead_of_a_waiter():
    lock = FairLock()
    order: list[str] = []
    lock.acquire()
    waiter = threading.Thread(target=lambda: (lock.acquire(), order.append("waiter"), lock.release()))
    waiter.start()
    time.sleep(0.05)
    lock.release()
    lock.acquire()  # the releaser comes straight back: it must queue behind the waiter
    order.append("releaser")
    lock.release()
    waiter.join(5)
    assert order == ["waiter", "releaser"]


def test_keys_do_not_wait_for_each_other():
    locks = KeyedFairLocks()
    with locks.hold("shop-1"):
        done = threading.Event()
        threading.Thread(target=lambda: (locks.hold("shop-2").__enter__(), done.set())).start()
        assert done.wait(2)
