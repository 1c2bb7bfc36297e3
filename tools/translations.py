"""Keep the gettext catalogues of every package in step: extract, update, compile, check.

Each front-end package owns its catalogue (PACKAGE/translations/zh/LC_MESSAGES/messages.po),
so packages can change their texts independently. Message ids are English; Chinese is
the default language of the interface.

    python tools/translations.py update   # extract msgids and merge them into each .po
    python tools/translations.py compile  # write the .mo files the app loads
    python tools/translations.py check    # fail if a .mo is stale, a msgid untranslated, or two packages disagree
    python tools/translations.py fill < TSV   # set translations: lines of "package<TAB>msgid<TAB>msgstr"
    python tools/translations.py reuse   # untranslated or fuzzy msgids take another catalogue's translation
    python tools/translations.py todo    # what is left, as "package<TAB>msgid<TAB>" lines to complete for fill
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hall", "kiosk", "caller", "lobby_display", "evaluator", "region")
LOCALES = ("zh",)


def catalogue_dir(package: str) -> Path:
    return ROOT / package / "translations"


def po_path(package: str, locale: str) -> Path:
    return catalogue_dir(package) / locale / "LC_MESSAGES" / "messages.po"


def update() -> None:
    for n, package in enumerate(PACKAGES, 1):
        print(f"[{n}/{len(PACKAGES)}] extracting {package}", flush=True)
        pot = catalogue_dir(package) / "messages.pot"
        pot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                        "-k", "_l", "-k", "N_", "--no-location", "--sort-output", "-o", str(pot), str(ROOT / package)],
                       check=True, capture_output=True)
        for locale in LOCALES:
            command = "update" if po_path(package, locale).exists() else "init"
            extra = ["--ignore-pot-creation-date"] if command == "update" else []  # no churn in unchanged files
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", command, "-i", str(pot),
                            "-d", str(catalogue_dir(package)), "-l", locale, "--no-wrap", *extra],
                           check=True, capture_output=True)
        pot.unlink()


def catalogues() -> Iterator[tuple[str, Path, Catalog]]:
    """Every package's catalogue that exists: (package, path of the .po, parsed catalogue)."""
    for package in PACKAGES:
        for locale in LOCALES:
            po = po_path(package, locale)
            if po.exists():
                with po.open("rb") as f:
                    yield package, po, read_po(f, locale=locale)


def compile_all() -> None:
    for _package, po, catalog in catalogues():
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)
        print(f"compiled {po.relative_to(ROOT)}")


def conflicts() -> list[str]:
    """Message ids translated differently by two packages.

    Flask-Babel merges every package's catalogue into one, so such a message would show
    whichever translation was loaded last. Give the two senses different ids, or a
    context (pgettext), instead.
    """
    translations: dict[tuple[str, str | None], dict[str, str]] = {}
    for package, _po, catalog in catalogues():
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                translations.setdefault((str(message.id), message.context), {})[package] = str(message.string)
    return [
        f"{msgid!r}{f' (context {context!r})' if context else ''} is translated differently: "
        + ", ".join(f"{package} {text!r}" for package, text in by_package.items())
        for (msgid, context), by_package in sorted(translations.items())
        if len(set(by_package.values())) > 1
    ]


def problems() -> list[str]:
    """Stale .mo files, untranslated or fuzzy messages and conflicting translations, as readable lines."""
    found = conflicts()
    for _package, po, catalog in catalogues():
        for message in catalog:
            if message.id and (not message.string or message.fuzzy):
                found.append(f"{po.relative_to(ROOT)}: untranslated or fuzzy: {message.id!r}")
        mo = po.with_suffix(".mo")
        if not mo.exists():
            found.append(f"{mo.relative_to(ROOT)} is missing: run tools/translations.py compile")
            continue
        with mo.open("rb") as f:
            compiled = {m.id: m.string for m in read_mo(f) if m.id}
        expected = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
        if compiled != expected:
            found.append(f"{mo.relative_to(ROOT)} is stale: run tools/translations.py compile")
    return found


def fill(lines: list[str]) -> int:
    """Set the msgstr of existing msgids from "package<TAB>msgid<TAB>msgstr" lines; returns how many were set."""
    from babel.messages.pofile import write_po

    wanted: dict[str, dict[str, str]] = {}
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        package, msgid, msgstr = line.rstrip("\n").split("\t")
        wanted.setdefault(package, {})[msgid.replace("\\n", "\n")] = msgstr.replace("\\n", "\n")
    done = 0
    for package, po, catalog in catalogues():
        changes = wanted.get(package, {})
        if not changes:
            continue  # leave other catalogues byte for byte as they are
        for message in catalog:
            if message.id in changes:
                message.string = changes.pop(message.id)
                message.flags.discard("fuzzy")
                done += 1
        with po.open("wb") as f:
            write_po(f, catalog, width=0, omit_header=False, sort_output=True, include_lineno=False)
        for msgid in changes:
            print(f"{package}: no msgid {msgid!r} (run update first)", file=sys.stderr)
    return done


def known_translations() -> dict[str, str]:
    """msgid → msgstr over every catalogue, obsolete entries too (a text that moved to another package)."""
    known: dict[str, str] = {}
    for _package, _po, catalog in catalogues():
        for message in [*catalog, *catalog.obsolete.values()]:
            if message.id and message.string and not message.fuzzy:
                known.setdefault(str(message.id), str(message.string))
    return known


def untranslated() -> list[tuple[str, str]]:
    """(package, msgid) of every message without a translation, fuzzy ones included."""
    return [(package, str(m.id)) for package, _po, catalog in catalogues() for m in catalog
            if m.id and (not m.string or m.fuzzy)]


def reuse() -> int:
    """Give untranslated messages the translation the same msgid has elsewhere; returns how many."""
    known = known_translations()
    lines = [f"{package}\t{msgid}\t{known[msgid]}".replace("\n", "\\n") + "\n"
             for package, msgid in untranslated() if msgid in known]
    return fill(lines) if lines else 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "fill":
        print(f"{fill(sys.stdin.readlines())} translation(s) set")
    elif command == "reuse":
        print(f"{reuse()} translation(s) reused")
    elif command == "todo":
        for package, msgid in untranslated():
            print(f"{package}\t{msgid}\t".replace("\n", "\\n"))
    elif command == "check":
        issues = problems()
        print("\n".join(issues) or "catalogues complete and compiled")
        return 1 if issues else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
