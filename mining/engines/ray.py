"""The Ray engine: each stage call is a Ray task, kept frames stay in Ray's object store
(spilled to disk when it fills) and travel to the next stage's tasks without passing
through the driver. Only the summaries come back to the driver.

``address`` none starts a local cluster in this process (``ray.init()``); ``auto``
joins the cluster this machine is part of; ``ray://host:10001`` connects a Ray client.

A local cluster gets a bounded object store (`default_object_store`: 2 GiB, less on a
small machine), not Ray's 30 % of memory: every process that writes or reads an object
maps the store's pages, and they count in its resident memory, so a worker that has
touched most of a 6.5 GB store shows 6.5 GB more than its own. Beyond the bound Ray
spills objects to disk (its session folder) and reads them back when a task needs them.
An existing cluster's store was sized by ``ray start --object-store-memory`` and cannot
be changed from here.

Workers import ``mining`` themselves, so every node needs taskmine installed (or the
same checkout on ``PYTHONPATH``); a landing area must be readable at the same path on
every node (a shared or network file system).
"""

from __future__ import annotations

import logging
import os
import socket
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from mining.engines import resolve
from mining.errors import EngineError


def _task(fn: Callable[..., tuple], keep: int, *args: Any, **shared: Any) -> Any:
    """Runs on a worker: read the sources among the inputs, call the stage."""
    out = fn(*(resolve(a) for a in args), **shared)
    return out[0] if keep == 0 else tuple(out[: keep + 1])


class _Fetch:
    """A kept frame's object reference handed to a task unread (Ray resolves only the
    references that are arguments themselves): the task reads it when it needs it."""

    def __init__(self, ref: Any) -> None:
        self.ref = ref

    def read(self) -> Any:
        import ray

        return ray.get(self.ref)


class RayEngine:
    """Runs each call as a Ray task (one CPU each)."""

    def __init__(
        self, address: str | None = None, object_store: int | None = None, **init: Any
    ) -> None:
        try:
            import ray
        except ImportError as exc:
            raise EngineError("the Ray engine needs Ray", "pip install 'taskmine[ray]'") from exc
        _reachable(address)
        if address and object_store is not None:
            raise EngineError(
                "the object store of an existing Ray cluster cannot be sized from here",
                "give --object-store-memory to `ray start` on each node instead",
            )
        self._ray = ray
        self._started = not ray.is_initialized()
        if not self._started and (address or object_store is not None or init):
            # ray.init would not run: the cluster and options asked for would be ignored
            raise EngineError(
                "Ray already runs in this process: the Ray engine cannot start or join "
                "another cluster here",
                "open it without an address or options, or call ray.shutdown() first",
            )
        if self._started:
            # workers import mining from where this process does
            path = os.pathsep.join(p for p in [_root(), os.environ.get("PYTHONPATH")] if p)
            try:
                ray.init(
                    address=address,
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.WARNING,  # no "Connecting to …" lines on stderr
                    runtime_env={"env_vars": {"PYTHONPATH": path}},
                    **(
                        {}
                        if address
                        else {"object_store_memory": object_store or default_object_store()}
                    ),
                    **init,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise EngineError(
                    f"cannot reach the Ray cluster at {address}: {str(exc).splitlines()[0]}",
                    "start it with `ray start --head` or give its --address",
                ) from exc
        self._remote = ray.remote(_task)

    def map(
        self,
        fn: Callable[..., tuple],
        inputs: Sequence[tuple],
        shared: dict[str, Any] | None = None,
        keep: int = 0,
        lazy: bool = False,
    ) -> tuple[list[Any], list[list[Any]]]:
        ray = self._ray
        refs = {k: ray.put(v) for k, v in (shared or {}).items()}
        task = self._remote.options(num_returns=keep + 1)
        if lazy:
            inputs = [
                [_Fetch(a) if isinstance(a, ray.ObjectRef) else a for a in args] for args in inputs
            ]
        calls = [task.remote(fn, keep, *args, **refs) for args in inputs]
        if keep == 0:
            return self._get(calls), [[] for _ in calls]
        summaries = self._get([c[0] for c in calls])
        return summaries, [list(c[1:]) for c in calls]

    def _get(self, refs: list[Any]) -> list[Any]:
        errors = self._ray.exceptions
        try:
            return self._ray.get(refs)
        except errors.RayTaskError as exc:
            if isinstance(exc.cause, Exception):
                raise exc.cause from exc  # a bad file or a mining error: say it as it is
            raise EngineError(f"a mining task failed: {_first_line(exc)}") from exc
        except errors.RayError as exc:  # a worker died (out of memory) or a node left
            raise EngineError(
                f"Ray lost a mining task: {_first_line(exc)}",
                "give each worker memory for the largest user's events, or fewer CPUs per node",
            ) from exc

    def fetch(self, handles: Sequence[Any]) -> Iterator[Any]:
        """Each kept object brought here in turn; its reference is dropped before the
        next is read, so that Ray frees it (the driver never holds them all)."""
        queue = deque(handles)
        del handles  # (the queue holds the only references the driver keeps)
        while queue:
            ref = queue.popleft()
            if ref is None:
                yield None
                continue
            frame = self._get([ref])[0]
            del ref
            yield frame

    def machines(self) -> int:
        """How many machines (node addresses) the cluster's live nodes are on."""
        return len({n["NodeManagerAddress"] for n in self._ray.nodes() if n["Alive"]})

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()

    def __enter__(self) -> RayEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Seconds to wait for a cluster's address to answer before giving up (Ray itself
#: retries an unreachable address for minutes).
CONNECT_TIMEOUT = 5.0


def default_object_store() -> int:
    """Bytes of a local cluster's object store: 2 GiB, or 30 % of this machine's memory
    (Ray's own default) when that is less."""
    import psutil  # (os.sysconf has no physical memory on Windows)

    return min(OBJECT_STORE, int(psutil.virtual_memory().total * 0.3))


#: The object store a local cluster gets at most by default (`default_object_store`).
OBJECT_STORE = 2 * 1024**3


def _reachable(address: str | None) -> None:
    """Fail fast, with one line, when ``address`` (``host:port`` or ``ray://host:port``)
    does not accept connections; none and ``auto`` are Ray's to resolve."""
    if not address or address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise EngineError(
            f"not a Ray cluster address: {address!r}", "give host:port, ray://host:port or auto"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise EngineError(
            f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}",
            "start it with `ray start --head` or give its --address",
        ) from exc


def _first_line(exc: BaseException) -> str:
    return next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)


def _root() -> str:
    """The folder that holds the ``mining`` package this process imports."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
