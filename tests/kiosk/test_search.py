"""Search by Chinese text, English words, full pinyin and pinyin initials."""

from hall.search import Searchable, search

TARGETS = [
    Searchable("item", "B01", "灵活就业人员基本养老保险参保登记", "Pension enrolment, flexible workers", "养老保险"),
    Searchable("item", "B06", "养老金领取资格认证", "Pension eligibility check", "养老保险"),
    Searchable("item", "E01", "社会保障卡申领（即时制卡）", "Social security card application", "社会保障卡"),
    Searchable("item", "D02", "失业保险金申领", "Unemployment benefit claim", "失业保险"),
    Searchable("bundle", "P07", "职工退休", "Retirement"),
]


def codes(query: str) -> list[str]:
    return [t.code for t in search(TARGETS, query)]


def test_pinyin_initials_find_pension_items_first():
    found = codes("ylbx")
    assert found[0] == "B01"  # 养老保险 in its name
    assert "B06" in found  # same category, ranked after
    assert "E01" not in found and "D02" not in found


def test_initials_are_case_and_space_insensitive():
    assert codes("Y L B X")[0] == "B01"
    assert codes("sybxj") == ["D02"]


def test_chinese_text_full_pinyin_english_and_code():
    assert codes("社会保障卡") == ["E01"]
    assert codes("yanglao")[:2] == ["B06", "B01"]
    assert codes("retire") == ["P07"]
    assert codes("b06") == ["B06"]


def test_nothing_for_empty_or_unknown_queries():
    assert codes("") == [] and codes("   ") == []
    assert codes("qqqq") == []


def test_search_api_returns_bundles_and_items(client):
    body = client.get("/api/v1/kiosk/search?q=ylbx").get_json()
    names = [r["name"] for r in body["results"]]
    assert names and all(r["kind"] in ("item", "bundle") for r in body["results"])
    assert sum("养老保险" in n for n in names) >= 5
    bundle = client.get("/api/v1/kiosk/search?q=zgtx").get_json()["results"]
    assert {"kind": "bundle", "code": "P07", "name": "职工退休"} in bundle
    english = client.get("/api/v1/kiosk/search?q=zgtx&lang=en").get_json()["results"]
    assert any(r["name"] == "Employee retirement" or r["code"] == "P07" for r in english)
