"""Error messages in the reader's language: a domain error's template through the gettext catalogues."""

from __future__ import annotations

from flask_babel import gettext

from ..domain.errors import N_, HallError, Template, fill

#: What the hall says for the web server's own refusals (Werkzeug's English texts are not shown to anyone).
HTTP_MESSAGES: dict[int, Template] = {
    400: N_("The request could not be understood."),
    401: N_("Please sign in first."),
    403: N_("You may not open this page."),
    404: N_("There is no such page. Check the address, or start again from the front page."),
    405: N_("This address does not accept that kind of request."),
    408: N_("The request took too long; please try again."),
    413: N_("What was sent is too large."),
    415: N_("What was sent is not in a form the hall reads."),
    429: N_("Too many requests; please wait a moment and try again."),
    500: N_("Something went wrong in the hall's server; the staff have been told in its log."),
    503: N_("The hall's server is busy or starting; please try again in a moment."),
}


def translated(exc: HallError) -> str:
    """The message of *exc* for this request's language (its English text when it was raised without a template).

    Details that are templates themselves (role names, states) are translated too; a tuple of them is named as a
    list in the reader's language.
    """
    if exc.template is None:
        return exc.message
    return say(exc.template, **exc.details)


def say(template: Template, **values: object) -> str:
    """*template* in the reader's language, filled with *values* (templates among them translated too)."""
    return fill(gettext(str(template)), {k: _translated_value(v) for k, v in values.items()})


def _translated_value(value: object) -> object:
    if isinstance(value, Template):
        return gettext(str(value))
    if isinstance(value, tuple) and value and all(isinstance(v, Template) for v in value):
        return gettext(", ").join(gettext(str(v)) for v in value)
    return value


def http_message(status: int) -> str:
    """The message for an HTTP refusal with *status*, in the reader's language."""
    return say(HTTP_MESSAGES.get(status) or HTTP_MESSAGES[400 if status < 500 else 500])
