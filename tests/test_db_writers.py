"""SQLite writers of one process take their turn in arrival order, never by luck."""

import threading
import time

from app.db import WriterQueue


def test_writers_get_the_lock_in_the_order_they_asked() -> None:
    queue = WriterQueue()
    assert queue.acquire()
    order: list[int] = []
    threads = []
    for n in range(5):
        thread = threading.Thread(target=lambda n=n: (queue.acquire(), order.append(n)))
        thread.start()
        threads.append(thread)
        while len(queue._waiting) < n + 1:  # each is in line before the next arrives
            time.sleep(0.001)
    for turn in range(5):
        queue.release()  # hands the lock to the next in line, who notes its number
        deadline = time.monotonic() + 10
        while len(order) < turn + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_a_writer_that_gives_up_leaves_the_line_intact() -> None:
    queue = WriterQueue()
    assert queue.acquire()
    gave_up: list[bool] = []
    waited = threading.Thread(target=lambda: gave_up.append(queue.acquire(timeout=0.05)))
    waited.start()
    waited.join(5)
    assert gave_up == [False]
    got: list[bool] = []
    later = threading.Thread(target=lambda: got.append(queue.acquire(timeout=5)))
    later.start()
    while not queue._waiting:
        time.sleep(0.001)
    queue.release()
    later.join(5)
    assert got == [True]
    queue.release()
    assert queue.acquire(timeout=0)  # free again


def test_a_second_connection_of_the_holder_does_not_wait_for_itself() -> None:
    queue = WriterQueue()
    assert queue.acquire()
    started = time.monotonic()
    assert not queue.acquire(timeout=5)
    assert time.monotonic() - started < 1
