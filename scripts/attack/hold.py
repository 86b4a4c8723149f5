#!/usr/bin/env python3
"""Held bodies: CONNECTIONS connections (default 200) each send the head of a POST /items with Content-Length
equal to maxBodySize (1 MiB) and all but one byte of its body, then stall, for SECONDS; so the server holds
CONNECTIONS almost complete bodies at once until requestBodyTimeout (60 s) or the client leaves.

usage: hold.py PORT SECONDS [CONNECTIONS] [BODY_BYTES]
       hold.py PORT SECONDS pipelined [CONNECTIONS]: each connection writes 16 POST /slow?ms=1000 with a body of
       almost 1 MiB at once (the most that may wait on a connection), so received bodies pile up behind slow
       requests unless they are counted until answered.
Prints how many connections sent their bytes, and how the server answered the others (503 past maxBodyMemory,
then closed). All on 127.0.0.1.
"""
import collections
import socket
import sys
import time


def pipelined(port, seconds, n):
    body = b"x" * ((1 << 20) - 1024)
    one = b"POST /slow?ms=1000 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n" \
          b"Content-Length: %d\r\n\r\n" % len(body) + body
    conns = []
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=2)
        try:
            c.sendall(one * 16)
        except OSError:
            pass   # refused and closed while being sent
        conns.append(c)
    time.sleep(seconds)
    answers = collections.Counter()
    for c in conns:
        c.settimeout(10)
        got = b""
        try:
            while True:
                part = c.recv(65536)
                if not part:
                    break
                got += part
        except OSError:
            pass
        for status in __import__("re").findall(rb"HTTP/1\.1 (\d{3}) ", got):
            answers[status.decode()] += 1
        c.close()
    print("  %d connections each wrote 16 pipelined bodies of %d bytes to a 1 s route; the answers: %s"
          % (n, len(body), dict(answers)))
    return 0


def main():
    port, seconds = int(sys.argv[1]), float(sys.argv[2])
    if len(sys.argv) > 3 and sys.argv[3] == "pipelined":
        return pipelined(port, seconds, int(sys.argv[4]) if len(sys.argv) > 4 else 20)
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 1 << 20
    head = b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % size
    body = b" " * (size - 1)
    conns, failed = [], 0
    stop = time.time() + seconds
    for _ in range(n):
        if time.time() > stop:
            break
        c = socket.create_connection(("127.0.0.1", port), timeout=2)
        try:
            c.sendall(head + body)
        except OSError:
            pass   # the server refused the body and closed while it was being sent
        conns.append(c)
    time.sleep(max(0.0, stop - time.time()))
    answers = collections.Counter()
    for c in conns:
        c.setblocking(False)
        try:
            got = c.recv(4096)
            answers[got.split(b" ", 2)[1].decode() if got.startswith(b"HTTP/1.1 ") else "closed"] += 1
        except BlockingIOError:
            answers["held"] += 1   # nothing from the server: the body is still being received
        except OSError:
            answers["reset"] += 1
        c.close()
    print("  %d connections each sent %d of %d body bytes and stalled for %.0f s; the server: %s"
          % (len(conns), size - 1, size, seconds, dict(answers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
