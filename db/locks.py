"""Named locks in the database: one run of a source at a time, across
processes and hosts, with recovery of a lock whose holder died."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db.models import Lock

#: a lock older than this is stale even when its holder's liveness cannot be checked (another host)
DEFAULT_TTL = timedelta(hours=6)


def me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


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
    if _here(lock.owner):
        return dead(lock.owner)
    return now - lock.acquired_at > ttl


def _here(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    return host == socket.gethostname() and pid.isdigit()


def dead(owner: str) -> bool:
    """Whether ``host:pid`` is a process of this host that no longer runs (other hosts: unknown, False)."""
    return _here(owner) and not _alive(int(owner.rpartition(":")[2]))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
