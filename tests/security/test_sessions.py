"""Issue 13, point 5: logins are server-side rows, ended by logout, a changed password, role or activity,
the idle timeout and their lifetime; the old cookie and the old bearer token stop working at once."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from flask.testing import FlaskClient

from hall.config import SecuritySettings
from hall.web import create_app
from tests.conftest import install_demo_data, login


@dataclass
class Stolen:
    """What an attacker copied from a logged-in clerk: the session cookie and the bearer token."""

    cookie: str
    token: str

    def cookie_client(self, app) -> FlaskClient:
        c = app.test_client()
        c.set_cookie("session", self.cookie)
        return c

    def works(self, app) -> tuple[bool, bool]:
        by_cookie = self.cookie_client(app).get("/api/v1/me").status_code == 200
        by_token = app.test_client().get("/api/v1/me",
                                         headers={"Authorization": f"Bearer {self.token}"}).status_code == 200
        return by_cookie, by_token


def log_in_and_copy(app, username: str = "clerk1") -> tuple[FlaskClient, Stolen]:
    client = app.test_client()
    token = login(client, username)["token"]
    return client, Stolen(client.get_cookie("session").value, token)


@pytest.fixture
def secure_app(config, clock):
    """The app with the production defaults of [security] (30 min idle timeout, 12 h lifetime)."""
    application = create_app(replace(config, security=SecuritySettings()), clock=clock)
    ctx = application.extensions["onewindow"]
    install_demo_data(ctx.storage, ctx.accounts, clock.now())
    yield application
    ctx.close()


def test_logout_ends_the_cookie_and_the_token(app):
    client, stolen = log_in_and_copy(app)
    assert stolen.works(app) == (True, True)
    assert client.post("/api/v1/logout", json={}).status_code == 200
    assert stolen.works(app) == (False, False)


def test_logout_with_the_token_ends_the_cookie_too(app):
    _, stolen = log_in_and_copy(app)
    app.test_client().post("/api/v1/logout", json={}, headers={"Authorization": f"Bearer {stolen.token}"})
    assert stolen.works(app) == (False, False)


def test_another_login_of_the_same_clerk_is_not_ended_by_one_logout(app):
    first, _ = log_in_and_copy(app)
    _, second = log_in_and_copy(app)
    first.post("/api/v1/logout", json={})
    assert second.works(app) == (True, True)


@pytest.mark.parametrize("change", [{"password": "a-new-password-9"}, {"roles": ["backoffice"]}, {"active": False}],
                         ids=["password", "role", "deactivated"])
def test_an_administrators_change_ends_the_members_logins(app, change):
    _, stolen = log_in_and_copy(app)
    admin = app.test_client()
    login(admin, "admin")
    assert admin.put("/api/v1/admin/staff/clerk1", json=change).status_code == 200
    assert stolen.works(app) == (False, False)


def test_a_change_of_display_name_keeps_the_login(app):
    _, stolen = log_in_and_copy(app)
    admin = app.test_client()
    login(admin, "admin")
    assert admin.put("/api/v1/admin/staff/clerk1", json={"display_name": "综合柜员 一"}).status_code == 200
    assert stolen.works(app) == (True, True)


def test_an_idle_login_ends_after_the_idle_timeout(secure_app, clock):
    _, stolen = log_in_and_copy(secure_app)
    clock.advance(20 * 60)
    assert stolen.works(secure_app) == (True, True)  # used: the idle time starts again
    clock.advance(20 * 60)
    assert stolen.works(secure_app) == (True, True)
    clock.advance(31 * 60)
    assert stolen.works(secure_app) == (False, False)


def test_a_login_ends_after_its_lifetime_however_busy(secure_app, clock):
    _, stolen = log_in_and_copy(secure_app)
    for _ in range(12 * 3 - 1):  # used every 20 minutes for 11 h 40 min
        clock.advance(20 * 60)
        assert stolen.works(secure_app) == (True, True)
    clock.advance(20 * 60)  # 12 h after the login
    assert stolen.works(secure_app) == (False, False)


def test_logout_closes_the_counter_socket(app, socket_client):
    clerk, _ = log_in_and_copy(app)
    panel = socket_client("/counter", flask_client=clerk, auth={"counter": 1})
    assert panel.is_connected("/counter")
    clerk.post("/api/v1/logout", json={})
    assert not panel.is_connected("/counter")


def test_logout_closes_the_managers_console_socket(app, socket_client):
    manager, _ = log_in_and_copy(app, "manager")
    console = socket_client("/console", flask_client=manager)
    assert console.is_connected("/console")
    manager.post("/api/v1/logout", json={})
    assert not console.is_connected("/console")  # no more live hall pushed to it


def test_a_socket_refuses_the_next_event_once_its_login_ended_elsewhere(app, client, socket_client):
    _, stolen = log_in_and_copy(app)
    panel = socket_client("/counter", auth={"counter": 1, "token": stolen.token})
    assert panel.is_connected("/counter")
    client.post("/api/v1/tickets", json={"service": "A01"})
    admin = app.test_client()
    login(admin, "admin")
    admin.put("/api/v1/admin/staff/clerk1", json={"password": "a-new-password-9"})
    assert panel.emit("action", {"action": "call-next"}, namespace="/counter",
                      callback=True)["error"] == "not_authorised"
    assert not socket_client("/counter", auth={"counter": 1, "token": stolen.token}).is_connected("/counter")


def test_only_hashes_of_the_secrets_are_stored(app, ctx):
    _, stolen = log_in_and_copy(app)
    with ctx.storage.read() as db:
        rows = [dict(r) for r in db.execute("SELECT * FROM staff_sessions").fetchall()]
    assert len(rows) == 1 and rows[0]["username"] == "clerk1" and rows[0]["revoked_at"] is None
    dumped = repr(rows)
    assert stolen.token not in dumped and "clerk1-demo" not in dumped


# ---- point 7: usernames are not told apart by the time of the answer -----------------------------------

@pytest.mark.parametrize("username", ["nobody", "clerk1"])
def test_an_unknown_or_known_username_costs_the_same_password_check(app, ctx, monkeypatch, username):
    import hall.accounts

    checked: list[str] = []
    real = hall.accounts.check_password_hash

    def recording(stored: str, password: str) -> bool:
        checked.append(stored.split("$", 1)[0])
        return real(stored, password)

    monkeypatch.setattr(hall.accounts, "check_password_hash", recording)
    response = app.test_client().post("/api/v1/login", json={"username": username, "password": "wrong-password"})
    assert response.status_code == 401 and response.get_json()["message"] == "用户名或密码错误"  # zh-CN by default
    assert checked == [ctx.accounts.password_method()]  # one scrypt check, whether the user exists or not


def test_an_inactive_account_also_pays_the_check(app, ctx, monkeypatch):
    import hall.accounts

    admin = app.test_client()
    login(admin, "admin")
    admin.put("/api/v1/admin/staff/clerk2", json={"active": False})
    checked = []
    real = hall.accounts.check_password_hash
    monkeypatch.setattr(hall.accounts, "check_password_hash", lambda s, p: checked.append(s) or real(s, p))
    assert app.test_client().post("/api/v1/login", json={"username": "clerk2",
                                                           "password": "clerk2-demo"}).status_code == 401
    assert len(checked) == 1
