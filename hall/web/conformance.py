"""The API keeps to its OpenAPI document: every /api/v1 request is checked against it before a view acts.

Path and query parameters and JSON bodies are validated with the schemas of hall/web/openapi.py
(jsonschema-rs), so a request the document calls invalid is refused with 400 and says where and why,
and a parameter given empty (``?date=``) is refused rather than read as absent. Public operations are
checked before the view; operations that need staff or a device are checked once the caller is known
(``require_staff``, or the view's first ``body()``), so a caller without the right is refused 401/403
before anything about the request is told. A 405 answer names the methods the path allows (``Allow``).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from flask import Flask, current_app, g, jsonify, request
from werkzeug.exceptions import MethodNotAllowed

from ..domain.errors import N_, InvalidInput, Template
from .errors import say
from .openapi import REFUSALS, openapi_document

logger = logging.getLogger(__name__)

PREFIX = "/api/v1"
EXTENSION = "onewindow.api_document"
METHODS = ("get", "post", "put", "patch", "delete")
#: How many (path, method) lookups are remembered: paths with ids vary, the cache stays bounded.
FOUND_PATHS = 4096


@dataclass(frozen=True)
class Parameter:
    """One documented path or query parameter and its validator."""

    name: str
    where: str
    required: bool
    #: "integer" or "number" when the schema says so: the query string's text is read as one before the check.
    kind: str | None
    validator: "Schema"


@dataclass(frozen=True)
class Operation:
    """One documented method of one path: its parameters, its body's validator, whether it needs a caller."""

    parameters: tuple[Parameter, ...]
    body: "Schema | None"
    secured: bool


class ApiDocument:
    """The OpenAPI document compiled into URL patterns and validators, looked up per request."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.paths: list[tuple[re.Pattern[str], dict[str, Operation]]] = []
        for template, item in document["paths"].items():
            regex = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")
            self.paths.append((regex, {m.upper(): _operation(op) for m, op in item.items() if m in METHODS}))
        # Literal segments before parameters: /counters/{number}/call-next before /counters/{number}/{x}.
        self.paths.sort(key=lambda entry: entry[0].pattern.count("(?P<"))
        self._found: dict[tuple[str, str], tuple[Operation, dict[str, str]] | None] = {}

    def find(self, path: str, method: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation of *path* and its path parameters. The same few paths come again and again (every
        ticket is a POST /tickets): they are remembered, up to FOUND_PATHS of them."""
        key = (path, method)
        if key in self._found:
            return self._found[key]
        found = self._search(path, method)
        if len(self._found) < FOUND_PATHS:
            self._found[key] = found
        return found

    def _search(self, path: str, method: str) -> tuple[Operation, dict[str, str]] | None:
        for regex, operations in self.paths:
            match = regex.match(path)
            if match and method in operations:
                return operations[method], match.groupdict()
        return None


@dataclass(frozen=True)
class Schema:
    """A compiled schema and the schema itself (for the plain-language refusal of an error)."""

    document: dict[str, Any]
    validator: Any

    def problems(self, where: str, value: Any) -> list[str]:
        return [self._problem(where, error) for error in self.validator.iter_errors(value)]

    def _problem(self, where: str, error: Any) -> str:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path)
        kind = type(error.kind).__name__
        part: Any = self.document
        for key in list(error.schema_path)[:-1]:
            part = part[key] if isinstance(part, dict) or isinstance(key, int) else {}
        if isinstance(part, dict) and part.get("x-refusal"):
            message = part["x-refusal"]
        elif kind == "AdditionalProperties":
            message = "unknown field(s): " + ", ".join(error.kind.unexpected)
        elif kind in ("OneOfNotValid", "OneOfMultipleValid") and isinstance(part, dict) and "oneOf" in part:
            names = [name for branch in part["oneOf"] for name in branch.get("required", ())]
            message = "give either " + " or ".join(names) + " (exactly one)"
        else:
            message = error.message
            shown = json.dumps(error.instance, ensure_ascii=False, separators=(",", ":"))
            if len(shown) > 40 and message.startswith(shown):
                message = "the value" + message[len(shown):]  # not the whole (long) value again
        return f"{where}{path}: {message}"


def _validator(schema: dict[str, Any]) -> Schema:
    return Schema(schema, jsonschema_rs.validator_for(schema, validate_formats=True))


def _operation(op: dict[str, Any]) -> Operation:
    parameters = tuple(
        Parameter(p["name"], p["in"], bool(p.get("required")),
                  p["schema"].get("type") if p["schema"].get("type") in ("integer", "number") else None,
                  _validator(p["schema"]))
        for p in op.get("parameters", ()) if p["in"] in ("path", "query"))
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return Operation(parameters, _validator(schema) if schema else None, bool(op.get("security")))


def check_request(document: ApiDocument, *, caller_known: bool) -> None:
    """InvalidInput unless this /api/v1 request keeps to the document (once per request). Before the caller
    is known (*caller_known* False) only public operations are checked."""
    if g.get("api_checked") or not request.path.startswith(PREFIX + "/"):
        return
    found = document.find(request.path[len(PREFIX):], request.method)
    if found is None:
        g.api_checked = True
        return  # not documented: the view answers (404, 405 …)
    operation, path_values = found
    if operation.secured and not caller_known:
        return
    g.api_checked = True
    problems: list[str] = []
    for parameter in operation.parameters:
        raw = path_values.get(parameter.name) if parameter.where == "path" else request.args.get(parameter.name)
        if raw is None:
            if parameter.required:
                problems.append(f"the {parameter.where} parameter {parameter.name!r} is required")
            continue
        if raw == "":
            problems.append(f"the {parameter.where} parameter {parameter.name!r} is empty")
            continue
        value: Any = raw
        if parameter.kind is not None:
            try:
                value = int(raw) if parameter.kind == "integer" else float(raw)
            except ValueError:
                value = None
            if value is None or value != value or value in (float("inf"), float("-inf")):
                problems.append(f"the {parameter.where} parameter {parameter.name!r} must be a "
                                f"{'whole number' if parameter.kind == 'integer' else 'number'}")
                continue
        problems.extend(parameter.validator.problems(f"{parameter.where} parameter {parameter.name!r}", value))
    if operation.body is not None and request.is_json:
        data = request.get_json(silent=True)
        if data is None and not request.content_length:
            data = {}
        if data is not None:
            problems.extend(operation.body.problems("body", data))
        elif request.get_data(cache=True).strip() == b"null":  # JSON null is a body too, not an absent one
            problems.extend(operation.body.problems("body", None))
        else:
            problems.append("the body: not valid JSON")
    refusal = next((r for problem in problems for r in REFUSALS if problem.endswith(": " + r)), None)
    if refusal is not None:  # a rule people read as it is ("a booking code has 12 digits")
        raise InvalidInput(Template(refusal), problems=problems[:20])
    if problems:
        # The message names the fields in the reader's language; what is wrong with each, in the API
        # document's terms, goes with it as details (for whoever writes the client).
        fields = list(dict.fromkeys(_field_of(problem) for problem in problems))
        raise InvalidInput(N_("The request does not keep to the API document (/api/v1/openapi.json); check: "
                              "{fields}"), fields=", ".join(fields[:5]), problems=problems[:20])


def _field_of(problem: str) -> str:
    """The field a problem line is about: a parameter's name, or the body's path ("body.reason")."""
    head = problem.split(":", 1)[0]
    if "unknown field(s): " in problem:
        return problem.split("unknown field(s): ", 1)[1]
    if "parameter '" in head:
        return head.split("parameter '", 1)[1].split("'", 1)[0]
    return head.removeprefix("the ").strip()


def check_known_caller() -> None:
    """The check of this request, now that its caller has been let in (require_staff, body())."""
    document = current_app.extensions.get(EXTENSION)
    if document is not None:
        check_request(document, caller_known=True)


_NOT_ALLOWED = N_("{method} is not allowed here; allowed: {allowed}")


def install_conformance(app: Flask) -> ApiDocument:
    """Check every API request against the document, and give 405 answers their Allow header."""
    document = ApiDocument(openapi_document())
    app.extensions[EXTENSION] = document
    app.before_request(lambda: check_request(document, caller_known=False))

    @app.errorhandler(MethodNotAllowed)
    def method_not_allowed(exc: MethodNotAllowed) -> Any:
        allowed = ", ".join(exc.valid_methods or [])
        message = say(_NOT_ALLOWED, method=request.method, allowed=allowed)
        response = jsonify(error="method_not_allowed", message=message)
        response.status_code = 405
        response.headers["Allow"] = allowed
        return response

    return document
