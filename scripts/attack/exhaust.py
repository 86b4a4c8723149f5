#!/usr/bin/env python3
"""Resource-exhaustion requests against a Starling AttackTarget on 127.0.0.1.

usage: exhaust.py PORT ATTACK SECONDS [CONNECTIONS]

Sends the attack's request over and over for SECONDS on CONNECTIONS parallel connections (default 4), each on a
fresh connection, and prints how the server answered: the count of each status, requests per second and the
slowest answer. "pipeline" writes 100,000 requests in one write on one connection instead, reading meanwhile.
Every socket operation is bounded by a timeout. Exits 1 if a request got no answer or a 5xx other than the
documented 503 of the pipelining limit.
"""
import collections
import re
import gzip
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def request(method, target, headers=(), body=b"", content_type=None):
    head = [b"%s %s HTTP/1.1" % (method, target), b"Host: x", b"Connection: close"]
    if content_type:
        head.append(b"Content-Type: " + content_type)
    if body or method == b"POST":
        head.append(b"Content-Length: %d" % len(body))
    head.extend(headers)
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def multipart(parts, boundary=b"attackboundary"):
    out = []
    for headers, content in parts:
        out.append(b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n")
    out.append(b"--" + boundary + b"--\r\n")
    return b"".join(out), b"multipart/form-data; boundary=" + boundary


def colliding_keys(n):
    """n distinct keys with one Java String.hashCode: blocks of "Aa" and "BB" (both 2112)."""
    keys, bits = [], max(1, (n - 1).bit_length())
    for i in range(n):
        keys.append("".join("Aa" if (i >> b) & 1 else "BB" for b in range(bits)))
    return keys


def attacks():
    a = {}
    a["headers-5000"] = request(b"GET", b"/hello", [b"X-H%d: v" % i for i in range(5000)])
    a["query-1001"] = request(b"GET", b"/search?" + b"&".join(b"tag=%d" % i for i in range(1001)))
    a["query-100000"] = request(b"GET", b"/search?" + b"&".join(b"t%d=1" % i for i in range(100_000)))
    keys = colliding_keys(100_000)
    a["query-100000-colliding"] = request(b"GET", b"/search?" + "&".join(k + "=1" for k in keys).encode())
    a["form-100000-colliding"] = request(b"POST", b"/upload", body="&".join(k + "=1" for k in keys).encode(),
                                         content_type=b"application/x-www-form-urlencoded")
    body, ct = multipart([(b'Content-Disposition: form-data; name="file"; filename="f%d"' % i, b"x")
                          for i in range(10_000)])
    a["multipart-10000-parts"] = request(b"POST", b"/upload", body=body, content_type=ct)
    body, ct = multipart([(b'Content-Disposition: form-data; name="file"; filename="' + b"n" * 100_000 + b'"',
                           b"x")])
    a["multipart-100KB-filename"] = request(b"POST", b"/upload", body=body, content_type=ct)
    body, ct = multipart([(b'Content-Disposition: form-data; name="field"\r\n' + b"\r\n".join(
        b"X-Part-%d: v" % i for i in range(5000)), b"x")])
    a["multipart-5000-part-headers"] = request(b"POST", b"/upload", body=body, content_type=ct)
    a["ranges-10000"] = request(b"GET", b"/static/big.bin", [b"Range: bytes=" + b",".join(
        b"%d-%d" % (i, i + 1000) for i in range(10_000))])
    bomb = gzip.compress(b"\0" * (100 << 20), 9)
    a["gzip-bomb-json"] = request(b"POST", b"/items", [b"Content-Encoding: gzip"], bomb, b"application/json")
    a["gzip-bomb-form"] = request(b"POST", b"/upload", [b"Content-Encoding: gzip"], bomb,
                                  b"application/x-www-form-urlencoded")
    return a


def status_of(raw):
    if not raw.startswith(b"HTTP/1."):
        return "none"
    return raw.split(b" ", 2)[1].decode()


def once(port, data):
    with socket.create_connection((HOST, port), timeout=10) as c:
        c.settimeout(10)
        try:
            c.sendall(data)
        except OSError:
            pass   # the server may answer and close before reading everything; the answer still counts
        out = b""
        while b"\r\n" not in out:
            try:
                got = c.recv(65536)
            except OSError:
                break
            if not got:
                break
            out += got
        return out


def repeat(port, data, seconds, connections):
    counts, slowest, lock = collections.Counter(), [0.0], threading.Lock()
    stop = time.time() + seconds

    def loop():
        while time.time() < stop:
            t = time.time()
            s = status_of(once(port, data))
            with lock:
                counts[s] += 1
                slowest[0] = max(slowest[0], time.time() - t)

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts, slowest[0]


def pipeline(port, n=100_000):
    data = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n" * n
    counts, received, last, closed = collections.Counter(), bytearray(), [0.0], [False]
    with socket.create_connection((HOST, port), timeout=5) as c:
        def read():
            while True:
                try:
                    got = c.recv(65536)
                except OSError:
                    return   # 5 s without a byte: the server has answered all it will
                if not got:
                    closed[0] = True
                    return
                received.extend(got)
                last[0] = time.time()
        reader = threading.Thread(target=read)
        reader.start()
        t = time.time()
        try:
            c.sendall(data)
            written = len(data)
        except OSError:
            written = -1   # the server closed while the write was under way: refused past the limit
        reader.join(20)
    # A body ("hello") runs straight into the next status line, so status lines are found anywhere.
    for m in re.finditer(rb"HTTP/1\.1 (\d{3}) ", bytes(received)):
        counts[m.group(1).decode()] += 1
    print("  wrote %s of %d bytes in one write; answers: %s, the last %.2f s after the write began; %s" % (
        "all" if written > 0 else "part", len(data), dict(counts), last[0] - t,
        "then the server closed" if closed[0] else "the connection stayed open"))
    return 0 if counts and all(s in ("200", "503") for s in counts) else 1


def main():
    port, name, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    connections = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    if name == "pipeline":
        return pipeline(port)
    data = attacks()[name]
    counts, slowest = repeat(port, data, seconds, connections)
    total = sum(counts.values())
    print("  %d bytes each; answers: %s; %.0f requests/s; slowest %.3f s" % (
        len(data), dict(counts), total / seconds, slowest))
    bad = [s for s in counts if s == "none" or s.startswith("5")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
