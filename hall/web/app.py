"""The app factory: one Flask app per hall server, extensions bound late."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, has_app_context, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..accounts import Accounts
from ..admission import Admission, RulesWatch
from ..cases import BackOffice
from ..catalogue import Catalogue
from ..commands import Commands
from ..concurrency import gevent_active
from ..config import Config
from ..devices import DeviceStatusStore, Voice
from ..domain.clock import Clock, SystemClock
from ..domain.errors import N_, HallError, InvalidInput
from ..domain.events import EventBus
from ..domain.routing import make_policy
from ..feed import LogFeed, RedisWakeup
from ..files import private_dir
from ..service import HallService
from ..storage import open_storage
from .context import HallContext
from .errors import http_message, translated
from .extensions import babel, socketio
from .i18n import select_locale
from .jsonio import guard_api_writes
from .security import install_http_security, socket_origins

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent.parent
#: Each package owns its gettext catalogue; Flask-Babel merges them.
TRANSLATIONS = ";".join(str(ROOT_DIR / package / "translations")
                        for package in ("hall", "kiosk", "caller", "lobby_display", "evaluator", "phone"))
MAX_BODY_BYTES = 64 * 1024
MAX_URL_INT = 2**31


def instance_secret(instance: Path) -> str:
    """The session secret: generated once, kept in the instance folder, never in the code."""
    path = instance / "secret_key"
    if not path.exists():
        private_dir(instance)
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise RuntimeError(f"{path} holds a secret shorter than 32 characters; delete it to make a new one")
    return secret


def _error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Any:
    wants_json = request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"
    if wants_json:
        payload: dict[str, Any] = {"error": code, "message": message}
        if details:
            payload["details"] = details
        return jsonify(payload), status
    return render_template("error.html", status=status, message=message), status


def _has_lone_surrogate(data: Any) -> bool:
    """True if any string (key or value) in a parsed JSON document holds a lone UTF-16 surrogate."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HallError)
    def hall_error(exc: HallError) -> Any:
        return _error_response(exc.status, exc.code, translated(exc), {k: v for k, v in exc.details.items()
                                                                       if isinstance(v, (str, int, list))})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        return _error_response(status, (exc.name or "error").lower().replace(" ", "_"), http_message(status))

    @app.before_request
    def refuse_malformed_json() -> None:
        """Lone surrogates (invalid UTF-8) and absurd nesting would fail deep in storage or the parser."""
        if not request.is_json or not request.content_length:
            return
        try:
            data = request.get_json(silent=True)
        except RecursionError:
            raise InvalidInput(N_("the request body is nested too deeply")) from None
        if data is not None and _has_lone_surrogate(data):
            raise InvalidInput(N_("the request body is not valid UTF-8 text"))

    @app.before_request
    def refuse_huge_numbers_in_urls() -> None:
        """An <int:…> in the URL beyond SQLite's integers would fail deep in storage: refuse it here."""
        for name, value in (request.view_args or {}).items():
            if isinstance(value, int) and not 0 <= value < MAX_URL_INT:
                raise InvalidInput(N_("{name!r} is out of range (0 to {highest})"), name=name, highest=MAX_URL_INT - 1)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return _error_response(500, "internal_error", http_message(500))


def _register_blueprints(app: Flask) -> None:
    """Each front end owns its pages and its part of the API; the hall's own come from hall.web."""
    from caller.api import bp as caller_api_bp
    from caller.views import bp as caller_bp
    from evaluator.api import bp as evaluator_api_bp
    from evaluator.followups import bp as followups_bp
    from evaluator.views import bp as evaluator_bp
    from kiosk.api import bp as kiosk_api_bp
    from kiosk.views import bp as kiosk_bp
    from lobby_display.api import bp as lobby_api_bp
    from lobby_display.views import bp as lobby_bp
    from phone.api import bp as phone_api_bp
    from phone.console import bp as phone_console_bp
    from phone.views import bp as phone_bp

    from .advisor_views import bp as advisor_bp
    from .api import bp as api_bp
    from .cases_api import bp as cases_bp
    from .console import bp as console_bp
    from .console_api import bp as console_api_bp

    for bp in (api_bp, console_bp, console_api_bp, cases_bp, kiosk_bp, kiosk_api_bp, caller_bp, caller_api_bp,
               lobby_bp, lobby_api_bp, evaluator_bp, evaluator_api_bp, followups_bp, advisor_bp, phone_bp,
               phone_api_bp, phone_console_bp):
        app.register_blueprint(bp)


def _register_namespaces() -> None:
    from caller.sockets import CounterNamespace
    from evaluator.sockets import EvaluatorNamespace
    from kiosk.live import KIOSK
    from kiosk.sockets import KioskNamespace, StatusNamespace
    from lobby_display.sockets import LobbyNamespace, ScreenNamespace
    from phone.live import PHONE, PhoneNamespace

    from .agents import AGENT, AgentNamespace
    from .console import ConsoleNamespace
    from .live import CONSOLE, COUNTER, EVALUATOR, LOBBY, SCREEN, STATUS

    registered = {handler.namespace for handler in socketio.namespace_handlers}
    for namespace in (LobbyNamespace(LOBBY), CounterNamespace(COUNTER), EvaluatorNamespace(EVALUATOR),
                      StatusNamespace(STATUS), ConsoleNamespace(CONSOLE), ScreenNamespace(SCREEN),
                      PhoneNamespace(PHONE), KioskNamespace(KIOSK), AgentNamespace(AGENT)):
        if namespace.namespace not in registered:
            socketio.on_namespace(namespace)


class PastSocketIO:
    """Only Socket.IO's own requests go through its middleware; every other request goes straight to Flask.

    Under gunicorn, engine.io's middleware copies the environ and defines a new class for every request it
    sees, Socket.IO's or not: about 3 % of a ticket's CPU.
    """

    def __init__(self, middleware: Any) -> None:
        self.middleware = middleware
        self.flask = middleware.wsgi_app
        self.prefix = middleware.engineio_path

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if (environ.get("PATH_INFO") or "").startswith(self.prefix):
            return self.middleware(environ, start_response)
        return self.flask(environ, start_response)


def create_app(config: Config | None = None, *, clock: Clock | None = None) -> Flask:
    """Build a hall server app: storage, the hall service and its command layer, blueprints, the live namespaces.

    Nothing is started here: the server process starts the background work (``hall.process.HallProcess``).
    """
    config = config or Config()
    instance = config.instance_path.resolve()
    app = Flask(__name__, instance_path=str(instance), template_folder="templates", static_folder="static")
    app.config.update(
        SECRET_KEY=instance_secret(instance),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_TRANSLATION_DIRECTORIES=TRANSLATIONS,
        JSON_SORT_KEYS=False,
        TESTING=config.testing,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["onewindow"] = ctx = build_context(app, config, clock or SystemClock())

    babel.init_app(app, locale_selector=select_locale)
    _register_namespaces()
    origins = socket_origins(config)
    socketio.init_app(app, async_mode="gevent" if gevent_active() else "threading", cors_allowed_origins=origins)
    app.wsgi_app = PastSocketIO(app.wsgi_app)  # type: ignore[method-assign]
    install_http_security(app, config, origins)  # after Socket.IO, so that ProxyFix wraps it too
    _register_errors(app)
    app.before_request(guard_api_writes)
    _register_blueprints(app)

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        hall_settings = ctx.service.hall  # managers may rename the hall at run time
        return {"hall_name": hall_settings.name if select_locale() == "zh" else hall_settings.name_en,
                "current_lang": select_locale()}

    from .console import install_console

    install_console(app, ctx)
    from evaluator.followups import install_followups

    install_followups(app, ctx)
    from phone.install import install_phone

    install_phone(app, ctx)
    from kiosk.live import install_kiosk_watch

    from .agents import install_agents

    install_kiosk_watch(app)
    install_agents(app)
    return app


def build_context(app: Flask, config: Config, clock: Clock) -> HallContext:
    """The hall objects of one process, wired together (no thread started, no device opened)."""
    from ..devices import printer_name, routed_printers, speech_settings

    storage = open_storage(config.database)
    bus = EventBus()
    wakeup = RedisWakeup(config.message_queue, f"onewindow:{config.database}") if _is_redis(config) else None
    feed = LogFeed(storage, bus, wakeup=wakeup)
    policy = make_policy(config.routing.policy, config.routing.fairness_target_minutes * 60)
    service = HallService(storage, config.hall, policy, clock, bus, feed=feed)
    catalogue = Catalogue(storage)
    printers = routed_printers(config)
    commands = Commands(service, status_url=lambda ticket: _status_url(app, ticket.token),
                        printer_of=lambda kiosk: printer_name(kiosk, printers),
                        id_card_items=frozenset(config.id_card.required_items))
    status = DeviceStatusStore(storage, clock)
    voice = Voice(speech_settings(config)[0], storage, status)
    voice.start()
    ctx = HallContext(config=config, storage=storage, bus=bus, feed=feed, service=service, commands=commands,
                      accounts=Accounts(storage, clock, config.security), catalogue=catalogue, voice=voice,
                      device_status=status)
    ctx.closers += [storage.close, voice.close]
    ctx.backoffice = BackOffice(service)
    service.on_finish = ctx.backoffice.open_cases
    service.admission = Admission(RulesWatch(config.service_hours, config.phone), lambda: service.hall)
    return ctx


def _status_url(app: Flask, token: str) -> str:
    from .urls import status_url_of

    if has_app_context():
        return status_url_of(token)
    with app.app_context():
        return status_url_of(token)


def _is_redis(config: Config) -> bool:
    return bool(config.message_queue and config.message_queue.startswith(("redis://", "rediss://", "unix://")))
