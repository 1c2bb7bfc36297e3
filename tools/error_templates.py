"""Turn `raise SomeHallError(f"…{value}…")` into `raise SomeHallError(N_("…{value}…"), value=value)`.

Domain errors are English; the web layer translates a message only when it was raised as a template
(`hall.domain.errors.N_`), filling it with the error's details. This rewrites the raise sites of the given
files in place (f-strings and plain strings; anything else is left alone and listed), so that Babel can extract
the templates (`python tools/translations.py update`):

    python tools/error_templates.py hall/service.py hall/commands.py …
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Exceptions that are not messages for people (configuration and programming errors, driver errors).
SKIP = {"ValueError", "TypeError", "KeyError", "RuntimeError", "AssertionError", "SystemExit", "ConfigError",
        "PrinterConfigError", "SpeechConfigError", "NotImplementedError", "OSError", "StopIteration",
        "ConnectionRefusedError", "LedConfigError", "KeypadConfigError", "IdCardError", "BatchRejected"}


def hall_error_names() -> set[str]:
    """Every class in the project that derives from HallError (directly or through another one)."""
    bases: dict[str, set[str]] = {}
    for path in ROOT.glob("**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "region" in path.parts:  # region: its own errors
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(  # a name defined twice: either may be a hall error
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases)
    found = {"HallError"}
    changed = True
    while changed:
        changed = False
        for name, parents in bases.items():
            if name not in found and parents & found:
                found.add(name)
                changed = True
    return found


def _placeholder(expr: ast.expr, source: str, taken: dict[str, str]) -> str:
    text = ast.get_source_segment(source, expr) or ""
    if isinstance(expr, ast.Name):
        name = expr.id
    elif isinstance(expr, ast.Attribute):
        name = re.sub(r"\W+", "_", text).strip("_")
    elif isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant):
        name = re.sub(r"\W+", "_", text).strip("_")
    else:
        name = f"value{len(taken) + 1}"
    name = re.sub(r"_+", "_", name).lower() or f"value{len(taken) + 1}"
    base, n = name, 2
    while name in taken and taken[name] != text:
        name, n = f"{base}{n}", n + 1
    taken[name] = text
    return name


def template_of(arg: ast.expr, source: str) -> tuple[str, dict[str, str]] | None:
    """(template literal, {placeholder: expression source}) of a message argument, or None if not a literal."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value.replace("{", "{{").replace("}", "}}"), {}
    if not isinstance(arg, ast.JoinedStr):
        return None
    parts, taken = [], {}
    for value in arg.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            continue
        assert isinstance(value, ast.FormattedValue)
        name = _placeholder(value.value, source, taken)
        conversion = {-1: "", 114: "!r", 115: "!s", 97: "!a"}[value.conversion]
        spec = ""
        if value.format_spec is not None:
            spec = ":" + "".join(str(v.value) for v in value.format_spec.values if isinstance(v, ast.Constant))
        parts.append("{" + name + conversion + spec + "}")
    return "".join(parts), taken


def rewrite(path: Path, errors: set[str]) -> tuple[int, list[str]]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    # ast column offsets count UTF-8 bytes: edit the bytes
    lines = source.encode("utf-8").splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    left: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        call = node.exc
        name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
        if name in SKIP or name not in errors or not call.args:
            continue
        first = call.args[0]
        if isinstance(first, ast.Call) and getattr(first.func, "id", "") == "N_":
            continue  # already a template
        found = template_of(first, source)
        if found is None:
            left.append(f"{path}:{node.lineno}: {ast.get_source_segment(source, first)}")
            continue
        template, values = found
        existing = {k.arg for k in call.keywords if k.arg}
        extra = [f"{k}={v}" for k, v in values.items() if k not in existing]
        start = offsets[first.lineno - 1] + first.col_offset
        end = offsets[first.end_lineno - 1] + first.end_col_offset
        literal = '"' + template.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        replacement = "N_(" + literal + ")" + ("" if not extra else ", " + ", ".join(extra))
        edits.append((start, end, replacement))
    data = source.encode("utf-8")
    for start, end, replacement in sorted(edits, reverse=True):
        data = data[:start] + replacement.encode("utf-8") + data[end:]
    source = data.decode("utf-8")
    if edits:
        if "N_" not in {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}:
            source = _add_import(source, path)
        path.write_text(source, encoding="utf-8")
    return len(edits), left


def _add_import(source: str, path: Path) -> str:
    """*source* with ``N_`` imported after its last top-level import (relative inside the hall package)."""
    statement = "from hall.domain.errors import N_\n"
    try:
        relative = path.resolve().relative_to(ROOT).parts
    except ValueError:
        relative = ()
    if relative and relative[0] == "hall":
        statement = f"from {'.' * (len(relative) - 1)}domain.errors import N_\n"
    tree = ast.parse(source)
    ends = [node.end_lineno or node.lineno for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    lines = source.splitlines(keepends=True)
    lines.insert(max(ends, default=0), statement)
    return "".join(lines)


def main(argv: list[str]) -> int:
    errors = hall_error_names()
    total = 0
    for name in argv[1:]:
        count, left = rewrite(Path(name), errors)
        total += count
        for line in left:
            print(f"left as it is (not a literal): {line}")
    print(f"{total} raise site(s) now raise a template; run ruff --fix (imports) and tools/translations.py update")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
