#!/usr/bin/env python3
"""Request-smuggling attempts through a front (a proxy, or Starling itself) to a Starling AttackTarget.

usage: smuggle.py FRONT_NAME FRONT_PORT STARLING_PORT [FORWARD_LOG]

Each attempt is one raw write on a fresh connection to the front, followed on the same connection by a plain
GET /probe/<n>/follow and, on a second connection, GET /probe/<n>/next (which would receive a smuggled request's
answer, or be glued to its prefix, if the front's pooled connection to Starling were poisoned). Every request the
attacker means the front to forward goes to /probe/...; every request hidden in a body goes to /smuggled. Before
each attempt the script resets Starling's record of what it saw (POST /_seen/reset, straight to Starling); after
it, it reads the record (GET /_seen).

Through a proxy, FORWARD_LOG is the proxy's log of what it forwarded, one line per request: the target, then the
upstream it went to ("-" or "<NOSRV>" when the proxy answered itself). An attempt fails when Starling saw a target
the proxy did not forward, or answered more requests than the proxy forwarded: a request the proxy did not send.
(A proxy that reads a hidden request as a pipelined request of the client's own, as nginx and haproxy do with
bare-LF line ends, sends it; Starling seeing it then is no smuggling, and the line says "forwarded".) Straight to
Starling, with no log, an attempt fails when Starling saw a target holding "smuggled" or more requests than the
attacker wrote request lines for. Prints one line per attempt; exits 1 on any failure.
All on 127.0.0.1; every read is bounded by a timeout.
"""
import json
import os
import socket
import sys
import time

HOST = "127.0.0.1"
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"


def chunked(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


def attempts():
    """(name, bytes, request lines the attacker means the front to see) for each attempt."""
    s = SMUGGLED
    a = []

    def post(n, headers, body):
        return b"POST /probe/%d HTTP/1.1\r\nHost: x\r\n" % n + headers + b"\r\n" + body

    n = 0

    def add(name, headers, body, lines=1):
        nonlocal n
        n += 1
        a.append((n, name, post(n, headers, body), lines))

    # CL.TE: the front reads content-length, a back end that reads chunked would see the rest as a request.
    add("CL.TE", b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % (5 + len(s)), b"0\r\n\r\n" + s)
    # TE.CL: the front reads chunked, a back end that reads content-length would see the chunk as a request.
    add("TE.CL", b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", chunked(s) + b"0\r\n\r\n")
    # TE.TE: obfuscated transfer-encoding values one side may not recognise.
    for label, te in [
        ("TE.TE xchunked", b"Transfer-Encoding: xchunked\r\n"),
        ("TE.TE space before colon", b"Transfer-Encoding : chunked\r\n"),
        ("TE.TE tab value", b"Transfer-Encoding:\tchunked\r\n"),
        ("TE.TE upper case", b"Transfer-Encoding: CHUNKED\r\n"),
        ("TE.TE quoted", b'Transfer-Encoding: "chunked"\r\n'),
        ("TE.TE chunked, identity", b"Transfer-Encoding: chunked, identity\r\n"),
        ("TE.TE identity, chunked", b"Transfer-Encoding: identity, chunked\r\n"),
        ("TE.TE two headers", b"Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n"),
        ("TE.TE obs-fold", b"X-Pad: a\r\n Transfer-Encoding: chunked\r\n"),
        ("TE.TE folded value", b"Transfer-Encoding:\r\n chunked\r\n"),
        ("TE.TE vertical tab", b"Transfer-Encoding: chunked\x0b\r\n"),
        ("TE.TE NUL", b"Transfer-Encoding: chunked\x00\r\n"),
        ("TE.TE bare CR", b"X-Pad: a\rTransfer-Encoding: chunked\r\n"),
    ]:
        add(label, b"Content-Length: %d\r\n" % (5 + len(s)) + te, b"0\r\n\r\n" + s)
    # Duplicated and list-valued content-length.
    add("two content-lengths", b"Content-Length: 0\r\nContent-Length: %d\r\n" % len(s), s)
    add("content-length list", b"Content-Length: 0, %d\r\n" % len(s), s)
    add("content-length +", b"Content-Length: +%d\r\n" % len(s), s)
    add("content-length hex", b"Content-Length: 0x%x\r\n" % len(s), s)
    # Bare CR and LF in the head and in chunk framing.
    add("bare LF head", b"Content-Length: 0\nX-Pad: a\n", s)
    add("bare CR in value", b"Content-Length: 0\rContent-Length: %d\r\n" % len(s), s)
    add("bare LF chunk lines", b"Transfer-Encoding: chunked\r\n", b"0\n\n" + s)
    add("chunk size overflow", b"Transfer-Encoding: chunked\r\n", b"10000000000000000" + b"5\r\nxxxxx\r\n0\r\n\r\n" + s)
    add("chunk extension", b"Transfer-Encoding: chunked\r\n", b"0;ext=\"a\r\nb\"\r\n\r\n" + s)
    add("chunk size with space", b"Transfer-Encoding: chunked\r\n", b"0 \r\n\r\n" + s)
    add("trailer smuggles", b"Transfer-Encoding: chunked\r\n", b"0\r\nX-Trailer: " + s.replace(b"\r\n", b"\n") + b"\r\n\r\n")
    # A GET with a body, and an Expect that a front may answer itself.
    add("GET with content-length", b"Content-Length: %d\r\n" % len(s), s)
    a.append((n + 1, "request line with bare LF",
              b"GET /probe/%d HTTP/1.1\nHost: x\n\n" % (n + 1) + s, 1))
    a.append((n + 2, "pipelined pair (both meant)",
              b"GET /probe/%d HTTP/1.1\r\nHost: x\r\n\r\n" % (n + 2)
              + b"GET /probe/%d/second HTTP/1.1\r\nHost: x\r\n\r\n" % (n + 2), 2))
    return a


def exchange(port, data, wait=1.5):
    """Writes data on a new connection and reads what comes back until the peer closes or `wait` passes."""
    out = b""
    with socket.create_connection((HOST, port), timeout=5) as c:
        c.sendall(data)
        c.settimeout(0.3)
        deadline = time.time() + wait
        while time.time() < deadline:
            try:
                got = c.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not got:
                break
            out += got
    return out


def statuses(raw):
    return [line.split(b" ")[1].decode() for line in raw.split(b"\r\n")
            if line.startswith(b"HTTP/1.") and len(line.split(b" ")) > 1]


def starling(port, method, path):
    raw = exchange(port, b"%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
                   % (method, path), wait=3)
    return raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else b""


def forwarded_since(log, offset):
    """The targets the proxy forwarded in the log lines written after `offset`, and the new offset."""
    with open(log, "rb") as f:
        f.seek(offset)
        text = f.read()
    targets = []
    for line in text.decode("latin-1").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[-1] not in ("-", "<NOSRV>"):
            targets.append(parts[0])
    return targets, offset + len(text)


def main():
    front_name, front, back = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    log = sys.argv[4] if len(sys.argv) > 4 else None
    offset = os.path.getsize(log) if log else 0
    failed = 0
    print("%-34s %-14s %-9s %s" % ("attempt via " + front_name, "answers", "Starling", "verdict"))
    for n, name, data, lines in attempts():
        starling(back, b"POST", b"/_seen/reset")
        follow = b"GET /probe/%d/follow HTTP/1.1\r\nHost: x\r\n\r\n" % n
        first = exchange(front, data + follow)
        second = exchange(front, b"GET /probe/%d/next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % n)
        time.sleep(0.2)   # Starling records a request as it answers it; both answers have come back by now
        seen = json.loads(starling(back, b"GET", b"/_seen"))
        targets = [t.split(" ", 1)[1] for t in seen["targets"]]
        if log:
            sent, offset = forwarded_since(log, offset)
            unsent = list(targets)
            for t in sent:
                if t in unsent:
                    unsent.remove(t)
            meant = len(sent)
            ok = not unsent and seen["answered"] <= meant
            note = "ok" + (" (the proxy forwarded the hidden request as the client's own)"
                           if any("smuggled" in t for t in sent) else "")
        else:
            unsent = [t for t in targets if "smuggled" in t]
            meant = lines + 2
            ok = not unsent and seen["answered"] <= meant
            note = "ok"
        failed += 0 if ok else 1
        print("%-34s %-14s %-9s %s" % (name[:34], ",".join(statuses(first) + ["|"] + statuses(second)),
                                       "%d/%d" % (seen["answered"], meant),
                                       note if ok else "SMUGGLED %s, not sent: %s" % (json.dumps(targets), unsent)))
    print("%s: %d attempts, %d smuggled a request past %s" % ("PASS" if failed == 0 else "FAIL",
                                                              len(attempts()), failed, front_name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
