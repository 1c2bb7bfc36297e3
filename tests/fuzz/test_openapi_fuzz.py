"""Schemathesis drives the JSON API from its own OpenAPI document: never a 5xx, every refusal says why.

Schemathesis's pytest plugin does not load under our pytest, so the test walks the
operations itself and runs each one's hypothesis strategy (positive and negative data).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.conftest import login

#: Bounded so the whole module stays well under a minute on a busy machine.
EXAMPLES = 15
SKIP = {"/api/v1/logout"}  # would only end the fuzzing session's own login


def test_api_answers_generated_requests_without_a_server_error(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    token = login(app.test_client(), "admin")["token"]
    failures: list[str] = []
    calls: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:
        if operation.path in SKIP:
            continue
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | operation.as_strategy(
            generation_mode=GenerationMode.NEGATIVE)

        @given(case=strategy)
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:
            for headers in ({}, {"Authorization": f"Bearer {token}"}):
                response = case.call(headers=headers)
                calls.append(response.status_code)
                where = f"{case.method} {case.formatted_path}"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code} {response.text[:200]}")
                elif response.status_code >= 400:
                    try:
                        body = response.json()
                    except ValueError:
                        failures.append(f"{where}: {response.status_code} without a JSON body")
                        continue
                    if not (isinstance(body, dict) and body.get("error") and body.get("message")):
                        failures.append(f"{where}: {response.status_code} without error/message: {body}")

        fuzz()
    assert not failures, "\n".join(sorted(set(failures))[:20])
    assert len(calls) > 10 * len(operations) and {400, 401, 404} & set(calls)
