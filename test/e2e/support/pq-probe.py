#!/usr/bin/env python3
"""A libpq client for the end-to-end test, reading the URL from $DATABASE_URL.

The processor gets its URL from the environment; this does the same, so the URL (which holds
the password) never appears in a process's arguments, which psql would need (libpq expands a
URI only when given as the dbname argument, never from PGDATABASE or a service file). It calls
libpq itself through ctypes: the same URI parser psql uses. The connection bound is libpq's
PGCONNECT_TIMEOUT, set by the caller.

  pq-probe.py connect                    connect once; print the time, or the error (exit 1)
  pq-probe.py time N                     N connections one after another; print timing figures
  pq-probe.py session SQL_FILE HOLD_S    connect, run each line of SQL_FILE, print "ready", then
                                         keep the connection until stdin closes (at most HOLD_S)
"""
import ctypes
import ctypes.util
import json
import os
import select
import statistics
import sys
import time

CONNECTION_OK = 0
PGRES_COMMAND_OK = 1
PGRES_TUPLES_OK = 2


def load_libpq():
    lib = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
    signatures = {
        "PQconnectdb": ([ctypes.c_char_p], ctypes.c_void_p),
        "PQstatus": ([ctypes.c_void_p], ctypes.c_int),
        "PQerrorMessage": ([ctypes.c_void_p], ctypes.c_char_p),
        "PQfinish": ([ctypes.c_void_p], None),
        "PQexec": ([ctypes.c_void_p, ctypes.c_char_p], ctypes.c_void_p),
        "PQresultStatus": ([ctypes.c_void_p], ctypes.c_int),
        "PQresultErrorMessage": ([ctypes.c_void_p], ctypes.c_char_p),
        "PQntuples": ([ctypes.c_void_p], ctypes.c_int),
        "PQnfields": ([ctypes.c_void_p], ctypes.c_int),
        "PQgetvalue": ([ctypes.c_void_p, ctypes.c_int, ctypes.c_int], ctypes.c_char_p),
        "PQclear": ([ctypes.c_void_p], None),
    }
    for name, (argtypes, restype) in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = argtypes, restype
    return lib


def fail(message):
    print(f"pq-probe: {message}", file=sys.stderr)
    sys.exit(1)


def text(raw):
    return (raw or b"").decode("utf-8", "replace").strip().replace("\n", " | ")


def connect(pq, url):
    """Returns (connection, seconds); exits 1 with libpq's message when it fails."""
    start = time.perf_counter()
    conn = pq.PQconnectdb(url)
    seconds = time.perf_counter() - start
    if pq.PQstatus(conn) != CONNECTION_OK:
        message = text(pq.PQerrorMessage(conn))
        pq.PQfinish(conn)
        fail(f"connection failed after {seconds:.2f} s: {message}")
    return conn, seconds


def run_statement(pq, conn, sql):
    result = pq.PQexec(conn, sql.encode())
    try:
        status = pq.PQresultStatus(result)
        if status not in (PGRES_COMMAND_OK, PGRES_TUPLES_OK):
            fail(f"{sql.split()[0]} failed: {text(pq.PQresultErrorMessage(result))}")
        for row in range(pq.PQntuples(result)):
            print("\t".join(text(pq.PQgetvalue(result, row, col)) for col in range(pq.PQnfields(result))))
    finally:
        pq.PQclear(result)


def main(argv):
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        fail("DATABASE_URL is empty: the caller passes the URL through the environment")
    pq = load_libpq()
    command = argv[1] if len(argv) > 1 else ""

    if command == "connect" and len(argv) == 2:
        conn, seconds = connect(pq, url.encode())
        pq.PQfinish(conn)
        print(f"connected in {seconds * 1000:.1f} ms")
    elif command == "time" and len(argv) == 3 and argv[2].isdigit() and int(argv[2]) > 0:
        samples = []
        for _ in range(int(argv[2])):
            conn, seconds = connect(pq, url.encode())
            pq.PQfinish(conn)
            samples.append(seconds * 1000)
        samples.sort()
        print(json.dumps({
            "n": len(samples),
            "min_ms": round(samples[0], 2),
            "median_ms": round(statistics.median(samples), 2),
            "p90_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.9))], 2),
            "max_ms": round(samples[-1], 2),
        }))
    elif command == "session" and len(argv) == 4 and argv[3].isdigit():
        with open(argv[2], encoding="utf-8") as f:
            statements = [line.strip() for line in f if line.strip()]
        conn, _ = connect(pq, url.encode())
        for sql in statements:
            run_statement(pq, conn, sql)
        print("ready", flush=True)
        # Hold the connection (idle, between transactions) until the caller closes stdin.
        deadline = time.monotonic() + int(argv[3])
        released = False
        while not released:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([sys.stdin], [], [], remaining)[0]:
                break
            released = os.read(sys.stdin.fileno(), 4096) == b""
        pq.PQfinish(conn)
        if not released:
            fail(f"nobody released the session within {argv[3]} s")
    else:
        fail("usage: pq-probe.py connect | time N | session SQL_FILE HOLD_SECONDS (URL in $DATABASE_URL)")


if __name__ == "__main__":
    main(sys.argv)
