#!/usr/bin/env python3
"""Held bodies: CONNECTIONS connections (default 200) each send the head of a POST /items with Content-Length
equal to maxBodySize (1 MiB) and all but one byte of its body, then stall, for SECONDS; so the server holds
CONNECTIONS almost complete bodies at once until requestBodyTimeout (60 s) or the client leaves.

usage: hold.py PORT SECONDS [CONNECTIONS] [BODY_BYTES]
Prints how many connections sent their bytes and how many the server closed meanwhile. All on 127.0.0.1.
"""
import socket
import sys
import time


def main():
    port, seconds = int(sys.argv[1]), float(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 1 << 20
    head = b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % size
    body = b" " * (size - 1)
    held, refused = [], 0
    stop = time.time() + seconds
    for _ in range(n):
        if time.time() > stop:
            break
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            c.sendall(head + body)
            held.append(c)
        except OSError:
            refused += 1
    sent = len(held)
    time.sleep(max(0.0, stop - time.time()))
    closed = 0
    for c in held:
        c.setblocking(False)
        try:
            if c.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        c.close()
    print("  %d connections each holding %d of %d body bytes for %.0f s (%d refused, %d closed by the server)"
          % (sent, size - 1, size, seconds, refused, closed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
