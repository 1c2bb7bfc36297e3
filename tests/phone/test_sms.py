"""The SMS gateway adapter against a local fake gateway over HTTP: the template APIs' requests (Alibaba Cloud's
signature checked against its documentation's example, Tencent Cloud's TC3 signature recomputed here, JSON and
form templates), retries with backoff, permanent failures, the per-number limit, masked numbers in the log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest

from hall.contacts import Contacts
from hall.notices.sender import SmsSender, backoff
from hall.notices.sms import HttpGateway, SmsError, SmsMessage, aliyun_signature
from hall.phone_config import PhoneSettings, SmsSettings, parse_sms
from hall.storage import contacts as store
from tests.phone.fake_gateway import FakeGateway

MESSAGE = SmsMessage("13800001234", "138****1234", "code", "SMS_0001", {"code": "123456", "minutes": "5"})


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    gateway = FakeGateway()
    yield gateway
    gateway.close()


def test_alibaba_cloud_signature_matches_its_documented_example():
    params = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
              "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
              "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
              "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    assert aliyun_signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_the_aliyun_profile_sends_a_signed_template_request(fake):
    fake.default = (200, {"Code": "OK", "BizId": "biz-7", "RequestId": "r"})
    settings = SmsSettings(backend="http", profile="aliyun", url=fake.url, sign_name="某某社保", access_key_id="id",
                           access_key_secret="secret", templates={"code": "SMS_0001"})
    assert HttpGateway(settings).send(MESSAGE).gateway_id == "biz-7"
    form = fake.received[0].form()
    assert form["PhoneNumbers"] == "13800001234" and form["TemplateCode"] == "SMS_0001"
    assert form["SignName"] == "某某社保" and json.loads(form["TemplateParam"]) == {"code": "123456", "minutes": "5"}
    assert aliyun_signature(form, "secret", "POST") == form["Signature"]


def test_the_tencent_profile_signs_with_tc3(fake):
    fake.default = (200, {"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo": "s-1"}], "RequestId": "r"}})
    settings = SmsSettings(backend="http", profile="tencent", url=fake.url, sign_name="某某社保", access_key_id="AKID",
                           access_key_secret="key", app_id="1400000000", templates={"code": "1234567"})
    assert HttpGateway(settings).send(MESSAGE).gateway_id == "s-1"
    got = fake.received[0]
    body = got.json()
    assert body["PhoneNumberSet"] == ["+8613800001234"] and body["TemplateParamSet"] == ["123456", "5"]
    assert got.headers["x-tc-action"] == "SendSms" and body["SmsSdkAppId"] == "1400000000"
    # The signature recomputed from Tencent Cloud's description of TC3-HMAC-SHA256.
    timestamp = int(got.headers["x-tc-timestamp"])
    from datetime import datetime, timezone

    day = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    host = got.headers["host"]
    canonical = (f"POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:{host}\n\ncontent-type;host\n"
                 + hashlib.sha256(got.body).hexdigest())
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{day}/sms/tc3_request\n" + hashlib.sha256(canonical.encode()).hexdigest()
    key = hmac.new(b"TC3key", day.encode(), hashlib.sha256).digest()
    key = hmac.new(hmac.new(key, b"sms", hashlib.sha256).digest(), b"tc3_request", hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    assert got.headers["authorization"].endswith(f"Signature={expected}")


def test_json_and_form_templates_for_other_gateways(fake):
    json_settings = parse_sms({"backend": "http", "profile": "json", "url": fake.url, "sign_name": "社保",
                               "access_key_id": "apikey-1", "templates": {"code": "tpl-9"},
                               "fields": {"apikey": "{key}", "mobile": "{phone}", "tpl_id": "{template}",
                                          "params": "{params_json}", "text": "【{sign}】验证码{param.code}"},
                               "headers": {"X-Key": "{key}"}, "success_field": "code", "success_values": ["0"],
                               "id_field": "sid"})
    assert HttpGateway(json_settings).send(MESSAGE).gateway_id == "fake-1"
    body = fake.received[0].json()
    assert body == {"apikey": "apikey-1", "mobile": "13800001234", "tpl_id": "SMS_0001",
                    "params": {"code": "123456", "minutes": "5"}, "text": "【社保】验证码123456"}
    assert fake.received[0].headers["x-key"] == "apikey-1"
    form_settings = replace(json_settings, profile="form", fields={"mobile": "{phone}", "tpl_value": "{params_form}"})
    HttpGateway(form_settings).send(MESSAGE)
    assert fake.received[1].form() == {"mobile": "13800001234", "tpl_value": "%23code%23=123456&%23minutes%23=5"}


def test_failures_are_retryable_or_not(fake):
    settings = SmsSettings(backend="http", profile="json", url=fake.url, fields={"m": "{phone}"},
                           templates={"code": "t"})
    gateway = HttpGateway(settings)
    for answer, retry in (((503, {}), True), ((429, {}), True), ((400, {}), False), ((200, {"code": 17}), True)):
        fake.answers.append(answer)
        with pytest.raises(SmsError) as failed:
            gateway.send(MESSAGE)
        assert failed.value.retry is retry and "13800001234" not in str(failed.value)
    with pytest.raises(SmsError) as unreachable:
        HttpGateway(replace(settings, url="http://127.0.0.1:9/none", timeout_seconds=2)).send(MESSAGE)
    assert unreachable.value.retry


def test_the_configuration_is_checked():
    with pytest.raises(ValueError, match="https"):
        parse_sms({"backend": "http", "url": "http://gateway.example.com", "templates": {"code": "t"},
                   "fields": {"m": "{phone}"}})
    with pytest.raises(ValueError, match="access_key_id"):
        parse_sms({"backend": "http", "profile": "aliyun", "url": "https://dysmsapi.aliyuncs.com/",
                   "templates": {"code": "t"}})
    with pytest.raises(ValueError, match="unknown notice"):
        parse_sms({"templates": {"hello": "t"}})


def queue(storage, clock, contacts: Contacts, phone: str = "13800001234", kind: str = "code") -> int:
    with storage.write() as db:
        contact = contacts._contact_of(db, phone, clock.now())
        return store.queue_sms(db, contact=contact, masked="138****1234", kind=kind, params={"code": "1"},
                               at=clock.now())


def test_the_sender_retries_with_backoff_then_gives_up_and_logs_masked(storage, clock, fake, caplog):
    contacts = Contacts(storage, clock, b"k" * 32, PhoneSettings)
    settings = SmsSettings(backend="http", profile="json", url=fake.url, fields={"m": "{phone}"},
                           templates={"code": "t"}, max_attempts=3)
    sender = SmsSender(storage, clock, HttpGateway(settings), contacts, settings)
    message = queue(storage, clock, contacts)
    fake.answers += [(500, {}), (500, {}), (500, {})]
    caplog.set_level(logging.INFO)
    assert sender.run_once() == 0
    assert sender.run_once() == 0  # not due yet: the next try is 5 s later
    clock.advance(backoff(1))
    sender.run_once()
    clock.advance(backoff(2))
    sender.run_once()
    with storage.read() as db:
        row = db.execute("SELECT state, attempts, params FROM sms_messages WHERE id = ?", [message]).fetchone()
    assert (row["state"], row["attempts"]) == ("failed", 3) and "code" not in json.loads(row["params"])
    assert len(fake.received) == 3 and backoff(1) == 5 and backoff(3) == 20
    assert "138****1234" in caplog.text and "13800001234" not in caplog.text
    # A success after a failure: sent once.
    fake.answers += [(502, {})]
    second = queue(storage, clock, contacts)
    sender.run_once()
    clock.advance(5)
    assert sender.run_once() == 1
    with storage.read() as db:
        assert db.execute("SELECT state FROM sms_messages WHERE id = ?", [second]).fetchone()[0] == "sent"


def test_an_erased_number_is_never_sent_to(storage, clock, fake):
    contacts = Contacts(storage, clock, b"k" * 32, PhoneSettings)
    settings = SmsSettings(backend="http", profile="json", url=fake.url, fields={"m": "{phone}"},
                           templates={"code": "t"})
    message = queue(storage, clock, contacts)
    with storage.write() as db:
        store.erase(db, [1], clock.now())
    SmsSender(storage, clock, HttpGateway(settings), contacts, settings).run_once()
    with storage.read() as db:
        assert db.execute("SELECT state FROM sms_messages WHERE id = ?", [message]).fetchone()[0] == "dropped"
    assert fake.received == []
