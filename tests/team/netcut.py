"""A loopback TCP proxy the test controls: it forwards a client's PostgreSQL traffic and, once
armed, cuts the connection in the middle of a push.

The cut is placed by what the client sends, not by a timer: after the client
took the hub's change lock for a transaction (``pg_advisory_xact_lock``) and
before the server receives the statement that ends the push (``marker``), the
proxy withholds that statement and closes both sides at once, as a network
that drops does. The server then holds an open transaction whose client is
gone; the client gets a lost connection. ``on_cut`` runs just before the cut
(while the transaction is still open on the server), so a test can look at
the server's side of it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

#: What a push sends once it holds the change lock for its transaction.
LOCKED = b"pg_advisory_xact_lock"
#: The push's last statement before its commit (``hub_sql.log_sync``).
PUSH_END = b"codebench.sync_log"


@dataclass
class _Link:
    """One client connection and its server connection."""

    client: socket.socket
    server: socket.socket
    locked: bool = False
    tail: bytes = b""

    def close(self) -> None:
        for s in (self.client, self.server):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()


@dataclass
class CuttingProxy:
    """Forward 127.0.0.1:``port`` to 127.0.0.1:``target``; cut one push once :meth:`arm` is called."""

    target: int
    marker: bytes = PUSH_END
    on_cut: Callable[[], None] | None = None
    cuts: int = 0
    connections: int = 0
    _armed: bool = False
    _links: list[_Link] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port: int = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="netcut-accept").start()

    def arm(self) -> None:
        """Cut the next push that reaches its last statement (once)."""
        with self._lock:
            self._armed = True

    @property
    def armed(self) -> bool:
        return self._armed

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            link = _Link(client, server)
            with self._lock:
                self._links.append(link)
                self.connections += 1
            threading.Thread(target=self._upstream, args=(link,), daemon=True).start()
            threading.Thread(target=self._downstream, args=(link,), daemon=True).start()

    def _upstream(self, link: _Link) -> None:
        """Client → server, watching for the push's last statement."""
        while True:
            try:
                chunk = link.client.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            seen = link.tail + chunk
            link.tail = seen[-64:]
            if LOCKED in seen:
                link.locked = True
            if link.locked and self.marker in seen and self._take_cut():
                if self.on_cut is not None:
                    self.on_cut()
                break  # the statement never reaches the server
            try:
                link.server.sendall(chunk)
            except OSError:
                break
        link.close()

    def _take_cut(self) -> bool:
        with self._lock:
            if not self._armed:
                return False
            self._armed = False
            self.cuts += 1
            return True

    def _downstream(self, link: _Link) -> None:
        while True:
            try:
                chunk = link.server.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            try:
                link.client.sendall(chunk)
            except OSError:
                break
        link.close()
