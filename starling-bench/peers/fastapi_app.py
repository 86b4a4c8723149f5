"""The shared bench workload (shared/bench/WORKLOAD.md) on FastAPI, as a peer for Starling's BenchApp.

Run from the root of the repository with Debian's Python 3.11 and packages (python3-fastapi,
python3-uvicorn, python3-uvloop, python3-httptools), not a pyenv python3 that lacks them:

    /usr/bin/python3 -m uvicorn fastapi_app:app --app-dir starling-bench/peers --host 127.0.0.1 \
        --port $PORT --loop uvloop --http httptools --workers 1 --no-access-log --log-level warning

Where each handler runs mirrors BenchApp: `async def` runs on the event loop, a plain `def` is offloaded
to Starlette's threadpool (anyio, 40 tokens), and D awaits an explicit `run_in_threadpool`.
"""

import hashlib
import time

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

app = FastAPI()

HELLO = "Hello, World!"
TAGS = ["a", "b", "c"]


def sha256_rounds(n: int) -> str:
    """Computes endpoint F's answer exactly as BenchApp.sha256Rounds does."""
    buf = bytearray(range(64))
    d = b""
    for _ in range(max(n, 1)):
        d = hashlib.sha256(buf).digest()
        buf[0:32] = d
    return d.hex()


@app.get("/hello/async", response_class=PlainTextResponse)
async def hello_async():
    """A: on the event loop."""
    return PlainTextResponse(HELLO)


@app.get("/hello/sync", response_class=PlainTextResponse)
def hello_sync():
    """B: a plain handler, offloaded to the threadpool."""
    return PlainTextResponse(HELLO)


@app.get("/sleep/sync", response_class=PlainTextResponse)
def sleep_sync(ms: int):
    """C: a blocking sleep on a worker thread."""
    time.sleep(ms / 1000)
    return PlainTextResponse("slept")


@app.get("/sleep/offload", response_class=PlainTextResponse)
async def sleep_offload(ms: int):
    """D: an async handler that awaits an explicit offload of the sleep."""
    await run_in_threadpool(time.sleep, ms / 1000)
    return PlainTextResponse("slept")


@app.get("/items/{id}")
async def item(id: int, q: str):
    """E: typed path parameter and query parameter, answered on the loop, as compact JSON."""
    # JSONResponse encodes with separators (",", ":") and sends exactly "application/json".
    return JSONResponse({"id": id, "q": q, "tags": TAGS})


@app.get("/cpu/sync", response_class=PlainTextResponse)
def cpu(n: int):
    """F: n rounds of SHA-256 on a worker thread."""
    return PlainTextResponse(sha256_rounds(n))
