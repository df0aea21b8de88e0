#!/usr/bin/env python3
"""Opens N keep-alive connections to a backbeat server and holds them idle (bench/load/idle_conns.sh).

    hold_conns.py HOST PORT N READY_FILE

Each connection sends one `GET /healthz` (HTTP/1.1, so it stays open) and reads the answer;
then it sends nothing more. When all are open (or failed), one line goes to READY_FILE:
"opened <n> failed <n> seconds <s>". The process then waits for SIGTERM or SIGINT, counts how
many connections the server has closed meanwhile (readable with nothing to read), prints
"held <n> closed_by_server <n>" and exits. Connections are opened BATCH at a time without
blocking, so 10,000 take a few seconds.
"""

import errno
import selectors
import signal
import socket
import sys
import time

BATCH = 200
TIMEOUT_S = 30.0


def open_batch(host, port, count):
    """Opens `count` connections and completes one request on each; returns (open, failed)."""
    request = f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    state = {}
    failed = 0
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((host, port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            failed += 1
            continue
        state[s] = {"sent": 0, "got": b""}
        sel.register(s, selectors.EVENT_WRITE)
    done = []
    deadline = time.monotonic() + TIMEOUT_S
    while state and time.monotonic() < deadline:
        for key, events in sel.select(timeout=1.0):
            s = key.fileobj
            st = state[s]
            try:
                if events & selectors.EVENT_WRITE:
                    st["sent"] += s.send(request[st["sent"]:])
                    if st["sent"] == len(request):
                        sel.modify(s, selectors.EVENT_READ)
                    continue
                chunk = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(s)
                s.close()
                del state[s]
                failed += 1
                continue
            st["got"] += chunk
            head, sep, body = st["got"].partition(b"\r\n\r\n")
            if not sep:
                continue
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if len(body) < length:
                continue
            sel.unregister(s)
            del state[s]
            if head.startswith(b"HTTP/1.1 200"):
                done.append(s)
            else:
                s.close()
                failed += 1
    for s in state:
        s.close()
        failed += 1
    sel.close()
    return done, failed


def closed_by_server(conns):
    """Counts connections the peer has closed: readable, and recv returns nothing or fails."""
    sel = selectors.DefaultSelector()
    for s in conns:
        sel.register(s, selectors.EVENT_READ)
    closed = 0
    for key, _ in sel.select(timeout=0):
        try:
            if not key.fileobj.recv(1, socket.MSG_PEEK):
                closed += 1
        except OSError:
            closed += 1
    sel.close()
    return closed


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    host, port, n, ready_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    started = time.monotonic()
    conns = []
    failed = 0
    while len(conns) + failed < n:
        opened, lost = open_batch(host, port, min(BATCH, n - len(conns) - failed))
        conns += opened
        failed += lost
    with open(ready_file, "w", encoding="ascii") as f:
        f.write(f"opened {len(conns)} failed {failed} "
                f"seconds {time.monotonic() - started:.2f}\n")
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    closed = closed_by_server(conns)
    print(f"held {len(conns) - closed} closed_by_server {closed}", flush=True)
    for s in conns:
        s.close()


if __name__ == "__main__":
    main()
