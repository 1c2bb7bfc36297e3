"""Login answer time for an unknown username and for a known one with a wrong password (issue 13, point 7):
with the dummy hash both pay one scrypt check, so the times should be close. Also the cost of the API check
of a request against the OpenAPI document. Prints numbers; asserts nothing.

    python -m bench.bench_login_timing [--tries 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

import requests

from .common import Server


def timed(session: requests.Session, url: str, body: dict) -> float:
    start = time.perf_counter()
    session.post(url, json=body, headers={"X-Forwarded-For": "ignored"}, timeout=30)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=15)
    args = parser.parse_args()
    with Server() as server:
        session = requests.Session()
        url = f"{server.url}/api/v1/login"
        results: dict[str, list[float]] = {"unknown user": [], "known user, wrong password": []}
        for n in range(args.tries):
            # A fresh username each time: the throttle counts per account and address, 3 per 10 seconds.
            results["unknown user"].append(timed(session, url, {"username": f"nobody{n}", "password": "x" * 12}))
            print(f"\r  {n + 1}/{args.tries}", end="", flush=True)
        print()
        for username in ("clerk1", "clerk2", "clerk3", "clerk4", "clerk5") * (args.tries // 5 + 1):
            if len(results["known user, wrong password"]) >= args.tries:
                break
            results["known user, wrong password"].append(timed(session, url, {"username": username,
                                                                            "password": "wrong-password"}))
        for name, values in results.items():
            print(f"{name:28s} median {statistics.median(values):6.1f} ms  (n={len(values)})")
        start = time.perf_counter()
        for _ in range(200):
            session.get(f"{server.url}/api/v1/kiosk/search?q=ylbx", timeout=30)
        print(f"checked GET /kiosk/search     {(time.perf_counter() - start) / 200 * 1000:6.1f} ms per request (n=200)")


if __name__ == "__main__":
    main()
