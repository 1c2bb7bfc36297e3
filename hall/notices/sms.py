"""The SMS gateway adapter: one small interface, a logging stand-in, and an HTTP implementation.

Chinese SMS gateways send *templates*: a template id approved in advance, the hall's signature (签名)
and the template's parameters. ``HttpGateway`` speaks the common forms of that API:

* ``aliyun`` — Alibaba Cloud SendSms (RPC, HMAC-SHA1 signature over the sorted query);
* ``tencent`` — Tencent Cloud SendSms 2021-01-11 (TC3-HMAC-SHA256 signed JSON);
* ``json`` / ``form`` — any gateway whose request is a JSON object or a form of fields, described in
  ``[sms.fields]`` with placeholders, and whose answer tells success in one field (``success_field``).

A send either succeeds (with the gateway's message id), fails for now (``SmsError(retry=True)``:
network, timeouts, 5xx, 429, the gateway's own refusals) or fails for good (other 4xx). Numbers are
never logged unmasked; no Flask here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from ..phone_config import SMS_KINDS, SmsSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    """One SMS to send: the number, the notice kind, its template id and parameters (in template order)."""

    phone: str
    masked: str
    kind: str
    template: str
    params: dict[str, str]


@dataclass(frozen=True)
class SmsSent:
    """What the gateway answered to a successful send."""

    gateway_id: str


class SmsError(Exception):
    """A send failed; *retry* when trying again later may work."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class SmsGateway(Protocol):
    """Sends one SMS; raises SmsError."""

    def send(self, message: SmsMessage) -> SmsSent: ...


def ordered_params(kind: str, params: dict[str, Any]) -> dict[str, str]:
    """A notice's parameters as texts, in the order its template takes them."""
    names = SMS_KINDS.get(kind, tuple(params))
    return {name: str(params.get(name, "")) for name in names}


class LogGateway:
    """Writes each SMS to the log (masked number, never a code) instead of sending it: the demo's gateway."""

    def __init__(self) -> None:
        self.sent: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> SmsSent:
        shown = {k: ("******" if k == "code" else v) for k, v in message.params.items()}
        logger.info("SMS (not sent: [sms] backend = log) to %s: %s %s", message.masked, message.kind, shown)
        self.sent.append(message)
        return SmsSent(f"log-{len(self.sent)}")


class HttpGateway:
    """The template API of a Chinese SMS gateway over HTTPS, by profile."""

    def __init__(self, settings: SmsSettings) -> None:
        self.settings = settings

    def send(self, message: SmsMessage) -> SmsSent:
        profile = self.settings.profile
        if profile == "aliyun":
            method, url, body, headers = self._aliyun(message)
        elif profile == "tencent":
            method, url, body, headers = self._tencent(message)
        else:
            method, url, body, headers = self._template(message)
        answer = self._request(method, url, body, headers, message.masked)
        return self._check(answer)

    # ---- profiles -------------------------------------------------------------------------

    def _aliyun(self, message: SmsMessage) -> tuple[str, str, bytes | None, dict[str, str]]:
        s = self.settings
        params = {
            "AccessKeyId": s.access_key_id, "Action": "SendSms", "Format": "JSON", "PhoneNumbers": message.phone,
            "RegionId": s.region, "SignName": s.sign_name, "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": str(uuid.uuid4()), "SignatureVersion": "1.0", "TemplateCode": message.template,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, s.access_key_secret, "POST")
        body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
        return "POST", s.url or "https://dysmsapi.aliyuncs.com/", body, {
            "Content-Type": "application/x-www-form-urlencoded"}

    def _tencent(self, message: SmsMessage) -> tuple[str, str, bytes | None, dict[str, str]]:
        s = self.settings
        url = s.url or "https://sms.tencentcloudapi.com/"
        host = urllib.parse.urlsplit(url).netloc
        payload = json.dumps({"PhoneNumberSet": [f"+86{message.phone}"], "SmsSdkAppId": s.app_id,
                              "SignName": s.sign_name, "TemplateId": message.template,
                              "TemplateParamSet": list(message.params.values())},
                             ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {"Content-Type": "application/json; charset=utf-8", "Host": host, "X-TC-Action": "SendSms",
                   "X-TC-Timestamp": str(timestamp), "X-TC-Version": "2021-01-11",
                   "X-TC-Region": s.region if s.region != "cn-hangzhou" else "ap-guangzhou"}
        headers["Authorization"] = tencent_authorization(payload, host, timestamp, s.access_key_id,
                                                         s.access_key_secret)
        return "POST", url, payload, headers

    def _template(self, message: SmsMessage) -> tuple[str, str, bytes | None, dict[str, str]]:
        s = self.settings
        values = {"phone": message.phone, "template": message.template, "sign": s.sign_name,
                  "params_json": json.dumps(message.params, ensure_ascii=False),
                  "params_list": json.dumps(list(message.params.values()), ensure_ascii=False),
                  "params_form": urllib.parse.urlencode({f"#{k}#": v for k, v in message.params.items()}),
                  "key": s.access_key_id, "secret": s.access_key_secret, "timestamp": str(int(time.time())),
                  "nonce": secrets.token_hex(8), **{f"param.{k}": v for k, v in message.params.items()}}
        fields = {name: _fill(template, values) for name, template in s.fields.items()}
        headers = {name: _fill(template, values) for name, template in s.headers.items()}
        if s.profile == "form":
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            return "POST", s.url, urllib.parse.urlencode(fields).encode(), headers
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        body = {name: _json_value(value) for name, value in fields.items()}
        return "POST", s.url, json.dumps(body, ensure_ascii=False).encode(), headers

    # ---- the exchange -----------------------------------------------------------------------

    def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str], masked: str) -> Any:
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout_seconds) as response:
                raw = response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            retry = exc.code >= 500 or exc.code == 429
            raise SmsError(f"the gateway answered HTTP {exc.code} for {masked}", retry=retry) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"the gateway could not be reached ({type(exc).__name__})", retry=True) from None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise SmsError("the gateway's answer is not JSON", retry=True) from None

    def _check(self, answer: Any) -> SmsSent:
        profile = self.settings.profile
        if profile == "aliyun":
            if isinstance(answer, dict) and answer.get("Code") == "OK":
                return SmsSent(str(answer.get("BizId", "")))
            raise SmsError(f"the gateway refused: {_short(answer, 'Code')}", retry=True)
        if profile == "tencent":
            response = answer.get("Response", {}) if isinstance(answer, dict) else {}
            statuses = response.get("SendStatusSet") or []
            if statuses and str(statuses[0].get("Code", "")).lower() == "ok":
                return SmsSent(str(statuses[0].get("SerialNo", "")))
            error = (response.get("Error") or {}).get("Code") or (statuses[0].get("Code") if statuses else "")
            raise SmsError(f"the gateway refused: {error}", retry=True)
        value = _path(answer, self.settings.success_field)
        if value is not None and str(value) in self.settings.success_values:
            return SmsSent(str(_path(answer, self.settings.id_field) or "") if self.settings.id_field else "")
        raise SmsError(f"the gateway refused: {self.settings.success_field} = {value!r}", retry=True)


def _fill(template: str, values: dict[str, str]) -> str:
    out = template
    for name, value in values.items():
        out = out.replace("{" + name + "}", value)
    return out


def _json_value(value: str) -> Any:
    """A field that is itself a JSON list or object (params_json, params_list) goes in as such."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _path(answer: Any, dotted: str) -> Any:
    for part in dotted.split(".") if dotted else ():
        if not isinstance(answer, dict):
            return None
        answer = answer.get(part)
    return answer


def _short(answer: Any, key: str) -> str:
    return str(answer.get(key, "?"))[:60] if isinstance(answer, dict) else "?"


def _percent(text: str) -> str:
    """Alibaba Cloud's percent-encoding (RFC 3986: unreserved characters kept, space as %20)."""
    return urllib.parse.quote(text, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """The Signature of an Alibaba Cloud RPC request (SignatureVersion 1.0, HMAC-SHA1)."""
    canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()) if k != "Signature")
    to_sign = f"{method}&{_percent('/')}&{_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def tencent_authorization(payload: bytes, host: str, timestamp: int, secret_id: str, secret_key: str,
                          service: str = "sms") -> str:
    """The Authorization header of a Tencent Cloud API 3.0 request (TC3-HMAC-SHA256, content-type and host)."""
    day = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    canonical = "\n".join(["POST", "/", "", f"content-type:application/json; charset=utf-8\nhost:{host}\n",
                           "content-type;host", hashlib.sha256(payload).hexdigest()])
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def sign(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    signing = sign(sign(sign(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
            f"Signature={signature}")


def make_gateway(settings: SmsSettings) -> SmsGateway | None:
    """The gateway [sms] describes; None when SMS are off (notices go to the open phone page only)."""
    if settings.backend == "none":
        return None
    if settings.backend == "log":
        return LogGateway()
    return HttpGateway(settings)
