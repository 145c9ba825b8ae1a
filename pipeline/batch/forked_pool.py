"""The parse workers of a run that may fork: the first is forked at once, imports the parser, and forks the
others from itself, so that the parser is imported once, not once in each worker.

Importing the parser is some 70 ms of CPU (pydantic builds its models). Forked from the run, every worker
imported it on its own, side by side with the run's own start; forked from a first worker that has it, the
others start parsing at once, and the two cores are left to the pages. `benchmarks/pairs.py --full` measured it
(docs/PERFORMANCE.md).

Each worker has a pipe for its tasks and one for its results (a length, then a pickle). A thread of the run
reads every result as soon as it comes, so that no worker waits on a full pipe. A worker ends when its task pipe
is closed (the run is done, or gone: a killed run's pipes close with it); the first waits for the others before
it ends, so that waiting for it waits for them all. A worker that dies closes its result pipe: its pending
tasks, and every task after, fail with `BrokenPool`, and the run parses the pages itself.
"""

from __future__ import annotations

import os
import pickle
import selectors
import signal
import struct
import threading
from collections import deque
from concurrent.futures import Future

from pipeline.batch.one_page import Task, ignore_interrupts, load_parser, process_many

HEAD = struct.Struct("<Q")  # the length of the pickle that follows


class BrokenPool(RuntimeError):
    """A worker died (killed, out of memory) with tasks of the run in hand."""


class ForkedPool:
    """`count` worker processes, forked from this process (the caller checks `workers.fork_safe`) with SIGINT
    blocked: Ctrl-C is the run's to answer, and they ignore it."""

    broken: tuple[type[BaseException], ...] = (BrokenPool,)  # what a task of a worker that died raises

    def __init__(self, count: int):
        blocked = None
        pipes: list[tuple[tuple[int, int], tuple[int, int]]] = []  # (tasks, results) per worker
        try:
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            for _ in range(count):
                pipes.append((os.pipe(), os.pipe()))
            pid = os.fork()
            if pid == 0:
                _first_worker(pipes)  # never returns
        except BaseException:  # no process (SIGINT is blocked from before the fork): nothing to stop
            if blocked is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            for ends in pipes:
                for fd in (*ends[0], *ends[1]):
                    os.close(fd)
            raise
        for (tasks_r, _), (_, results_w) in pipes:  # the workers' ends
            os.close(tasks_r)
            os.close(results_w)
        self.pid: int | None = pid
        self.tasks_w = [tasks_w for (_, tasks_w), _ in pipes]
        self.results_r = [results_r for _, (results_r, _) in pipes]
        self.pending: list[deque[Future]] = [deque() for _ in range(count)]
        self.dead: set[int] = set()  # workers whose result pipe closed
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, name="parse-results", daemon=True)
        self.reader.start()
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a Ctrl-C that came meanwhile is raised here
        except BaseException:
            self.close()  # the caller never gets the pool to stop it: stopped here
            raise

    def submit(self, tasks: list[Task]) -> Pending:
        """The tasks to the worker with the fewest in hand; their `Versions` come from `result()`."""
        data = pickle.dumps(tasks, protocol=pickle.HIGHEST_PROTOCOL)
        future: Future = Future()
        with self.lock:
            alive = [i for i in range(len(self.tasks_w)) if i not in self.dead and self.tasks_w[i] >= 0]
            if not alive:
                raise BrokenPool("the parse workers are gone")
            worker = min(alive, key=lambda i: len(self.pending[i]))
            self.pending[worker].append(future)
        try:
            _write_all(self.tasks_w[worker], HEAD.pack(len(data)) + data)
        except OSError:  # the worker is gone: its result pipe says so to the reader too
            with self.lock:
                self.dead.add(worker)
            raise BrokenPool("a parse worker died") from None
        return Pending(future)

    def _read(self) -> None:
        """Every worker's results, each handed to the oldest future that worker holds. Should this thread fail,
        every task in hand fails (`BrokenPool`: the run parses the pages itself), and the pipes are still read to
        their end, so that no worker waits on a full pipe."""
        selector = selectors.DefaultSelector()
        buffers = {}
        for worker, fd in enumerate(self.results_r):
            selector.register(fd, selectors.EVENT_READ, worker)
            buffers[worker] = bytearray()
        failed = False
        while selector.get_map():
            for key, _ in selector.select():
                worker = key.data
                data = os.read(key.fd, 1 << 20)
                if not data:  # the worker ended: what it still held cannot come
                    selector.unregister(key.fd)
                    self._ended(worker)
                    continue
                if failed:
                    continue
                try:
                    self._deliver(worker, buffers[worker], data)
                except BaseException:  # (out of memory, say) no result can be trusted to come: none is awaited
                    failed = True
                    for each in range(len(self.pending)):
                        self._ended(each)
        selector.close()

    def _deliver(self, worker: int, buffer: bytearray, data: bytes) -> None:
        buffer += data
        while len(buffer) >= HEAD.size and len(buffer) >= HEAD.size + (n := HEAD.unpack_from(buffer)[0]):
            message = bytes(buffer[HEAD.size : HEAD.size + n])
            del buffer[: HEAD.size + n]
            with self.lock:
                future = self.pending[worker].popleft() if self.pending[worker] else None
            if future is not None:
                future.set_result(message)

    def _ended(self, worker: int) -> None:
        with self.lock:
            self.dead.add(worker)
            held, self.pending[worker] = list(self.pending[worker]), deque()
        for future in held:
            future.set_exception(BrokenPool("a parse worker died"))

    def done(self) -> None:
        """No more tasks: each worker ends once it has sent what it holds. Each pipe is forgotten before it is
        closed: interrupted (Ctrl-C), a second call closes the others, never one twice."""
        for worker in range(len(self.tasks_w)):
            with self.lock:
                fd, self.tasks_w[worker] = self.tasks_w[worker], -1
            if fd >= 0:
                os.close(fd)

    def close(self) -> None:
        """End the workers and wait for them (their results are read meanwhile, so none waits on a full pipe).
        Interrupted (Ctrl-C), it can be called again, and waits again."""
        self.done()
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None
        self.reader.join()
        while self.results_r:
            os.close(self.results_r.pop())  # forgotten as it is closed: never closed twice


class Pending:
    """Tasks handed to a worker."""

    def __init__(self, future: Future):
        self.future = future

    def result(self) -> list:
        """The `Versions` the worker sent (`BrokenPool` when it died first)."""
        found = pickle.loads(self.future.result())
        if isinstance(found, BaseException):  # raised in the worker: raised here, as a pool would
            raise found
        return found


def _first_worker(pipes: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """The first worker: import the parser, fork the others, work, wait for them, exit. It never returns into the
    run's code, whatever happens."""
    try:
        ignore_interrupts()
        for (_, tasks_w), (results_r, _) in pipes:  # the run's ends
            os.close(tasks_w)
            os.close(results_r)
        load_parser()  # once, for every worker
        others = []
        for n in range(1, len(pipes)):
            pid = os.fork()
            if pid == 0:
                _keep_only(pipes, n)
                _work(pipes[n])  # never returns
            others.append(pid)
        _keep_only(pipes, 0)
        _serve(pipes[0])
        for pid in others:
            os.waitpid(pid, 0)
    finally:
        os._exit(0)


def _keep_only(pipes: list[tuple[tuple[int, int], tuple[int, int]]], n: int) -> None:
    """Close the ends of the other workers' pipes: each pipe's end is held by its own worker alone, so a worker's
    death closes its result pipe."""
    for i, ((tasks_r, _), (_, results_w)) in enumerate(pipes):
        if i != n:
            os.close(tasks_r)
            os.close(results_w)


def _work(pipe: tuple[tuple[int, int], tuple[int, int]]) -> None:
    try:
        _serve(pipe)
    finally:
        os._exit(0)


def _serve(pipe: tuple[tuple[int, int], tuple[int, int]]) -> None:
    """Parse the tasks that come until the task pipe closes."""
    (tasks_r, _), (_, results_w) = pipe
    with os.fdopen(tasks_r, "rb") as tasks:
        while len(head := tasks.read(HEAD.size)) == HEAD.size:
            chunk = pickle.loads(tasks.read(HEAD.unpack(head)[0]))
            try:
                found: object = process_many(chunk)
            except Exception as exc:  # handed to the run, which raises it
                found = exc
            data = pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL)
            try:
                _write_all(results_w, HEAD.pack(len(data)) + data)
            except OSError:  # the run is gone
                return


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
