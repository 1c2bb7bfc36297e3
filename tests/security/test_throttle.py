"""Issue 13, point 6: login throttling that holds under parallel guesses, counts per account and per client
address (the proxy's forwarded one), backs off instead of locking the real user out, and is shared by
several server processes through Redis."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest
import requests
from werkzeug.serving import make_server

from hall.web import create_app
from tests.conftest import install_demo_data
from tests.scale.test_redis import redis_url, two_servers  # noqa: F401  (fixtures: two processes on one Redis)


@pytest.fixture
def served(config, clock) -> Iterator[tuple[str, object]]:
    """The hall with the production throttle, behind one trusted proxy, on a threaded HTTP server."""
    app = create_app(replace(config, server=replace(config.server, proxy_hops=1)), clock=clock)
    ctx = app.extensions["onewindow"]
    install_demo_data(ctx.storage, ctx.accounts, clock.now())
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="throttle-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", app
    http.shutdown()
    thread.join(timeout=10)
    ctx.close()


def attempt(base: str, username: str, password: str, client_address: str = "10.0.0.66") -> requests.Response:
    return requests.post(f"{base}/api/v1/login", json={"username": username, "password": password},
                         headers={"X-Forwarded-For": client_address}, timeout=30)


def test_64_parallel_guesses_are_counted_before_any_is_checked(served):
    base, _ = served
    start = threading.Barrier(64)
    answers: list[int] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        start.wait()
        status = attempt(base, "manager", f"guess-{n}").status_code
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counted = Counter(answers)
    assert counted[401] <= 3 and counted[429] >= 61, counted  # "3 per 10 seconds" per account and address


def test_a_guesser_behind_the_proxy_does_not_lock_the_manager_out(served):
    base, _ = served
    refused = [attempt(base, "manager", f"guess-{n}", "10.0.0.66") for n in range(8)]
    assert [r.status_code for r in refused[:3]] == [401, 401, 401]
    assert {r.status_code for r in refused[3:]} == {429}
    wait = int(refused[3].headers["Retry-After"])
    assert 1 <= wait <= 10  # a short wait first: backoff, not a five-minute lockout
    assert refused[3].json()["error"] == "too_many_attempts" and refused[3].json()["message"]
    # The real manager, at another desk (another forwarded address), logs in at once.
    assert attempt(base, "manager", "manager-demo", "10.0.0.5").status_code == 200


def test_one_address_spraying_many_accounts_is_throttled_too(served):
    base, _ = served
    statuses = [attempt(base, f"user{n}", "password", "10.0.0.77").status_code for n in range(40)]
    assert statuses.count(401) == 30 and statuses[30:] == [429] * 10  # "30 per minute" per client address
    assert attempt(base, "clerk1", "clerk1-demo", "10.0.0.78").status_code == 200  # other desks are untouched


def test_an_account_guessed_from_many_addresses_is_slowed_down(served):
    base, _ = served
    statuses = [attempt(base, "admin", "password", f"10.0.1.{n}").status_code for n in range(14)]
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}  # "10 per minute" per account


def test_without_a_trusted_proxy_the_forwarded_address_is_not_believed(client):
    for n in range(3):
        client.post("/api/v1/login", json={"username": "clerk1", "password": "x" * 8},
                    headers={"X-Forwarded-For": f"10.9.9.{n}"})
    refused = client.post("/api/v1/login", json={"username": "clerk1", "password": "x" * 8},
                          headers={"X-Forwarded-For": "10.9.9.99"})
    assert refused.status_code == 429  # a forged X-Forwarded-For does not make a new client


def test_several_processes_share_one_count_in_redis(two_servers):  # noqa: F811
    a, b = two_servers
    for server in (a, b, a):
        assert attempt(server.url, "manager", "wrong-password").status_code == 401
    assert attempt(b.url, "manager", "wrong-password").status_code == 429
