"""The floor under every ticket rate: a Flask app that only reads the ticket request's JSON and answers 201.

Served by the same server as the hall (gunicorn, a gevent worker) and driven by the same wrk script, it
measures what one request costs before the hall does anything: gunicorn's HTTP, Flask's request and
response, JSON both ways. `bench.bench_issue` prints its rate next to the hall's.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

application = Flask(__name__)


@application.post("/api/v1/tickets")
def ticket() -> Any:
    data = request.get_json()
    return jsonify({"service": data.get("service"), "number": "A001", "state": "waiting"}), 201
