"""Time to the first result of `select 1` in a new Spark Connect session, with the real pyspark client.

    session_start.py warm URL COUNT          a new session per sample, on an already running driver
    session_start.py cold URL TIMEOUT_S      one session whose first RPC waits for a driver to start

Prints one JSON object: {"samples": [seconds, ...]}. Imports happen before timing starts.
"""
import json
import sys
import time

from pyspark.sql import SparkSession


def first_result(url: str) -> float:
    start = time.perf_counter()
    spark = SparkSession.builder.remote(url).create()
    rows = spark.sql("select 1 as one").collect()
    elapsed = time.perf_counter() - start
    if rows[0]["one"] != 1:
        raise SystemExit(f"unexpected result {rows}")
    spark.stop()
    return elapsed


def main() -> None:
    mode, url, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "warm":
        samples = [first_result(url) for _ in range(int(arg))]
    elif mode == "cold":
        samples = [first_result(url)]
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps({"samples": samples}))


if __name__ == "__main__":
    main()
