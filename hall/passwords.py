"""The password policy of staff accounts (GB/T 22239-2019 8.1.4.1 a: passwords have complexity rules).

A password is at least 10 characters long; it mixes three kinds of characters (lower case, upper case,
letters without case such as 汉字, digits, anything else) unless it is a pass-phrase of 16 characters or
more; zxcvbn rates it at least 3 of 4 (hard to guess), counting the username, the display name and the
hall's words as known to an attacker;
it does not contain the username; and it is none of the demo hall's published passwords.
"""

from __future__ import annotations

from collections.abc import Iterable

from .domain.errors import InvalidInput

MIN_LENGTH = 10
PASSPHRASE_LENGTH = 16
MIN_SCORE = 3
MAX_LENGTH = 200
#: Words everyone in or around the hall knows.
HALL_WORDS = ("onewindow", "shebao", "社保", "大厅", "hall", "demo", "admin", "manager", "clerk", "password")


class WeakPassword(InvalidInput):
    """The password does not meet the policy; ``problems`` says every way in which."""

    code = "weak_password"


def published_demo_passwords() -> dict[str, str]:
    """The demo hall's logins, printed by `scripts/demo` and in the README: never good for a real hall."""
    from .demo import DEMO_STAFF

    return {username: password for username, _, _, _, password in DEMO_STAFF}


def problems(password: str, *, username: str, display_name: str = "", known: Iterable[str] = ()) -> list[str]:
    """Every way in which *password* fails the policy (empty when it passes)."""
    import zxcvbn

    found: list[str] = []
    if len(password) < MIN_LENGTH:
        found.append(f"it has fewer than {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        found.append(f"it has more than {MAX_LENGTH} characters")
        return found
    kinds = sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                 any(c.isalpha() and not c.islower() and not c.isupper() for c in password),  # 汉字
                 any(c.isdigit() for c in password), any(not c.isalnum() for c in password)))
    if kinds < 3 and len(password) < PASSPHRASE_LENGTH:
        found.append(f"it mixes fewer than three kinds of characters (lower case, upper case, 汉字, digits, "
                     f"others); "
                     f"a pass-phrase of {PASSPHRASE_LENGTH} characters or more may use fewer")
    if username and username.lower() in password.lower():
        found.append("it contains the username")
    if password in published_demo_passwords().values():
        found.append("it is a published demo password")
    inputs = [w for w in (username, display_name, *known, *HALL_WORDS) if w]
    if not found and zxcvbn.zxcvbn(password, user_inputs=inputs)["score"] < MIN_SCORE:
        found.append("it is too easy to guess (common words, names, dates or patterns)")
    return found


def check(password: str, *, username: str, display_name: str = "", known: Iterable[str] = ()) -> None:
    """WeakPassword naming every problem, unless *password* meets the policy."""
    found = problems(password, username=username, display_name=display_name, known=known)
    if found:
        raise WeakPassword("the password is refused: " + "; ".join(found), problems=found)
