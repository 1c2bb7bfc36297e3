"""Issue 13, point 9: every common spelling of a phone or ID number is masked where a clerk reads it; ordinary
text (ticket numbers, dates, the 12333 hotline, times, amounts) is left alone."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hall.privacy import mask_text
from tests.evaluator.test_ratings_api import evaluator, finish_case, rate  # noqa: F401  (fixture and helpers)

MOBILE = "13812345678"
ID_NUMBER = "110101199003074518"

#: How people really write them in call-back notes: (text, the number's digits, how it must look masked).
CORPUS = [
    ("13812345678", MOBILE, "138****5678"),
    ("+8613812345678", MOBILE, "+86138****5678"),
    ("8613812345678", MOBILE, "86138****5678"),
    ("008613812345678", MOBILE, "0086138****5678"),
    ("138-1234-5678", MOBILE, "138-****-5678"),
    ("138 1234 5678", MOBILE, "138 **** 5678"),
    ("138.1234.5678", MOBILE, "138.****.5678"),
    ("138－1234－5678", MOBILE, "138－****－5678"),
    ("138—1234—5678", MOBILE, "138—****—5678"),
    ("+86 138 1234 5678", MOBILE, "+86 138 **** 5678"),
    ("+86-138-1234-5678", MOBILE, "+86-138-****-5678"),
    ("(+86) 13812345678", MOBILE, "(+86) 138****5678"),
    ("（+86）138 1234 5678", MOBILE, "（+86）138 **** 5678"),
    ("0086 138 1234 5678", MOBILE, "0086 138 **** 5678"),
    ("＋８６ １３８ １２３４ ５６７８", MOBILE, "＋８６ １３８ **** ５６７８"),
    ("１３８１２３４５６７８", MOBILE, "１３８****５６７８"),
    ("手机:13812345678", MOBILE, "手机:138****5678"),
    ("Tel13812345678", MOBILE, "Tel138****5678"),
    ("电话13812345678联系", MOBILE, "电话138****5678联系"),
    ("138 1234 5678。", MOBILE, "138 **** 5678。"),
    ("010-12345678", "01012345678", "010-****5678"),
    ("(010) 1234 5678", "01012345678", "(010) **** 5678"),
    ("0755-88886666", "075588886666", "0755-****6666"),
    ("0755 8888 6666", "075588886666", "0755 **** 6666"),
    ("+86 10 1234 5678", "861012345678", "+86 10 **** 5678"),
    ("110101199003074518", ID_NUMBER, "110101********4518"),
    ("11010119900307451X", "11010119900307451X", "110101********451X"),
    ("11010119900307451x", "11010119900307451X", "110101********451x"),
    ("110101 19900307 4518", ID_NUMBER, "110101 ******** 4518"),
    ("1101 0119 9003 0745 18", ID_NUMBER, "1101 01** **** **45 18"),
    ("身份证：１１０１０１１９９００３０７４５１８", ID_NUMBER, "身份证：１１０１０１********４５１８"),
    ("110101900307451", "110101900307451", "110101*****7451"),
    ("6222021234567890123", "6222021234567890123", "622202*********0123"),
    ("6222 0212 3456 7890", "6222021234567890", "6222 02** **** 7890"),
]
#: Text that holds no personal number and must come out unchanged.
PLAIN = ["A001", "请 A001 号到 3 号窗口办理", "热线 12333", "2026-11-25 09:00-12:00", "2026年11月25日 13:30",
         "¥1,234.50", "12333 2026-11-25", "第 3 窗口 B06 号", "办件编号 SB2026112500001", "已于 11-26 回访", "8 位"]


def digits_of(text: str) -> str:
    return "".join(str(unicodedata.digit(c)) if c.isdigit() else "X" if c in "Xx" else "" for c in text)


@pytest.mark.parametrize(("written", "number", "masked"), CORPUS, ids=[c[0] for c in CORPUS])
def test_every_spelling_is_masked(written, number, masked):
    shown = mask_text(written)
    assert shown == masked
    middle = number[-8:-4] if len(number) >= 11 else number
    assert number not in digits_of(shown) and middle not in digits_of(shown)


@pytest.mark.parametrize("text", PLAIN)
def test_ordinary_text_is_left_alone(text):
    assert mask_text(text) == text


def test_several_numbers_in_one_note_are_all_masked():
    note = "本人 13812345678，家属 139 8765 4321；身份证 110101199003074518、座机 010-12345678"
    shown = mask_text(note)
    assert shown == "本人 138****5678，家属 139 **** 4321；身份证 110101********4518、座机 010-****5678"
    assert not re.search(r"\d{7,}", shown.replace(" ", ""))  # at most the 6 digits of an ID's region stay


def test_a_clerk_reads_every_spelling_masked_in_a_follow_up(client, clerk, manager, evaluator):  # noqa: F811
    ticket = finish_case(client, clerk)
    assert rate(client, evaluator, ticket["id"], 1).status_code == 201
    followup = manager.get("/api/v1/followups").get_json()["followups"][0]
    url = f"/api/v1/followups/{followup['id']}"
    said = "；".join(written for written, _, _ in CORPUS[:20])
    assert manager.post(f"{url}/callback", json={"date": "2026-11-26", "contact": "+86 138 1234 5678",
                                                  "said": said[:1000]}).status_code == 200
    assert manager.get(url).get_json()["callback_contact"] == "+86 138 1234 5678"  # the manager calls back
    seen = clerk.get(url).get_json()
    assert seen["callback_contact"] == "+86 138 **** 5678"
    assert "1234" not in seen["callback_said"] and "１２３４" not in seen["callback_said"]
    listed = clerk.get("/api/v1/followups?state=all").get_json()["followups"]
    assert listed and all(MOBILE not in digits_of(str(f)) for f in listed)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789１２３ +-.()（）Xx 电话:，\n"), max_size=60) | st.text(max_size=60))
def test_any_text_is_masked_without_error_and_keeps_its_length(text):
    shown = mask_text(text)
    assert len(shown) == len(text)
    assert all(a == b or b == "*" for a, b in zip(text, shown, strict=True))
