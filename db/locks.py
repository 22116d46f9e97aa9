"""Named locks in the database: one run of a source at a time, across processes and
hosts, with recovery of a lock whose holder died.

An owner is ``host:pid:start`` (the process's start time, so that a PID used again by
another process, as PID 1 is in every container, does not hold a dead run's lock). A
lock is also a lease: a long-running holder renews it (``Lease``), and one on another
host whose liveness cannot be checked expires ``ttl`` after its last renewal.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import psutil
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db.models import Lock

#: a lock older than this is stale even when its holder's liveness cannot be checked (another host)
DEFAULT_TTL = timedelta(hours=6)


@cache
def _started(pid: int) -> str | None:
    """A process's start time (seconds since the epoch, to 0.01 s); None when it is gone."""
    try:
        return f"{psutil.Process(pid).create_time():.2f}"
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    except psutil.Error:  # not ours to inspect: alive, start unknown
        return ""


def me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_started(os.getpid())}"


@dataclass
class Held:
    """Who holds a lock that could not be taken."""

    name: str
    owner: str
    since: datetime

    def __str__(self) -> str:
        return f"{self.name} is held by {self.owner} since {self.since:%Y-%m-%d %H:%M:%S}Z"


def acquire(
    factory: sessionmaker[Session], name: str, *, owner: str | None = None, ttl: timedelta = DEFAULT_TTL
) -> Held | None:
    """Take ``name``; None on success, else who holds it. A stale lock is taken over."""
    owner = owner or me()
    now = datetime.now(UTC)
    try:
        with factory.begin() as s:
            s.add(Lock(name=name, owner=owner, acquired_at=now))
        return None
    except IntegrityError:
        pass
    with factory.begin() as s:
        current = s.scalar(select(Lock).where(Lock.name == name))
        if current is None:  # released in between: try once more
            s.add(Lock(name=name, owner=owner, acquired_at=now))
            return None
        if not _stale(current, now, ttl):
            return Held(name, current.owner, current.acquired_at)
        # take over only if nobody else did in between (compare-and-set on the old owner)
        taken = s.execute(
            update(Lock).where(Lock.name == name, Lock.owner == current.owner).values(owner=owner, acquired_at=now)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return None
        return Held(name, current.owner, current.acquired_at)


def release(factory: sessionmaker[Session], name: str, *, owner: str | None = None) -> None:
    with factory.begin() as s:
        s.execute(delete(Lock).where(Lock.name == name, Lock.owner == (owner or me())))


def _stale(lock: Lock, now: datetime, ttl: timedelta) -> bool:
    if _parse(lock.owner) is not None:
        return dead(lock.owner)
    return now - (lock.renewed_at or lock.acquired_at) > ttl


def pid_of(owner: str) -> int | None:
    """The PID in ``host:pid[:start]`` (whichever host)."""
    pid = owner.partition(":")[2].partition(":")[0]
    return int(pid) if pid.isdigit() else None


def _parse(owner: str) -> tuple[int, str | None] | None:
    """(pid, start) of an owner on this host (start None for the older ``host:pid``), else None."""
    pid = pid_of(owner)
    if owner.partition(":")[0] != socket.gethostname() or pid is None:
        return None
    start = owner.split(":", 2)[2] if owner.count(":") >= 2 else ""
    return pid, start or None


def dead(owner: str) -> bool:
    """Whether ``owner`` is a process of this host that no longer runs: its PID is free, or
    taken by a process that started at another time (other hosts: unknown, False)."""
    parsed = _parse(owner)
    if parsed is None:
        return False
    pid, start = parsed
    _started.cache_clear()  # a PID's process may have changed since it was last asked
    now = _started(pid)
    if now is None:
        return True
    return bool(start and now and start != now)


def state(lock: Lock, now: datetime | None = None, ttl: timedelta = DEFAULT_TTL) -> str:
    """For ``llmwatch locks``: held (a live process here), dead (its process is gone), or, for
    a holder on another host, leased (renewed within ``ttl``) or expired."""
    if _parse(lock.owner) is not None:
        return "dead" if dead(lock.owner) else "held"
    return "expired" if _stale(lock, now or datetime.now(UTC), ttl) else "leased"


def held(factory: sessionmaker[Session]) -> list[Lock]:
    with factory() as s:
        return list(s.scalars(select(Lock).order_by(Lock.name)))


def clear(factory: sessionmaker[Session], name: str) -> bool:
    """Free ``name`` whoever holds it (``llmwatch locks clear``); whether there was such a lock."""
    with factory.begin() as s:
        return bool(s.execute(delete(Lock).where(Lock.name == name)).rowcount)  # type: ignore[attr-defined]


def renew(factory: sessionmaker[Session], name: str, *, owner: str | None = None) -> bool:
    """The holder's heartbeat; False when the lock is no longer its own."""
    with factory.begin() as s:
        done = s.execute(
            update(Lock).where(Lock.name == name, Lock.owner == (owner or me())).values(renewed_at=datetime.now(UTC))
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]


class Lease:
    """Hold ``name`` while a long task runs, renewing it every ``every`` in a daemon thread."""

    def __init__(self, factory: sessionmaker[Session], name: str, every: timedelta = DEFAULT_TTL / 6) -> None:
        self.factory, self.name, self.every = factory, name, every
        self.holder: Held | None = None
        self._stop = threading.Event()

    def __enter__(self) -> Lease:
        self.holder = acquire(self.factory, self.name)
        if self.holder is None:
            threading.Thread(target=self._beat, name=f"lease:{self.name}", daemon=True).start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.every.total_seconds()):
            try:
                renew(self.factory, self.name)
            except Exception:
                continue

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self.holder is None:
            release(self.factory, self.name)
