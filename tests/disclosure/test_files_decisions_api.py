"""Attachments checked by content (photos re-encoded with thumbnails; PDF and Excel kept; executables, fake
workbooks and image bombs refused) and 四议两公开 decisions in order, through the JSON API on both databases."""

import io
import zipfile
from datetime import date, timedelta

import pytest
from PIL import Image

from tests.conftest import error_code
from tests.shop.test_goods_api import jpeg_bytes

SCRIPT = '<script>alert(1)</script>'
HOSTILE_NAME = "<img src=x onerror=alert(1)>.jpg"  # a path's slashes are dropped: no </script> here


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["科目", "金额"])
    book.save(buffer)
    return buffer.getvalue()


def upload(api, disclosure_id, name, data, who="official", content_type="application/octet-stream"):
    return api.client.post(f"/api/v1/disclosures/{disclosure_id}/attachments",
                           headers={"Authorization": f"Bearer {api.token(who)}"},
                           files={"file": (name, data, content_type)})


@pytest.fixture
def disclosure_id(api):
    made = api.post("/disclosures", "official", json={"category": "finance", "title": "附件", "body": "见附件"})
    return made.json()["id"]


class TestAttachments:
    def test_photo_is_reencoded_with_a_thumbnail(self, api, disclosure_id):
        photo = io.BytesIO()
        exif = Image.Exif()
        exif[0x010F] = "SecretCam"
        Image.new("RGB", (2400, 1800), (10, 120, 200)).save(photo, "JPEG", exif=exif)
        r = upload(api, disclosure_id, HOSTILE_NAME, photo.getvalue(), content_type="image/jpeg")
        assert r.status_code == 201, r.text
        made = r.json()
        assert made["kind"] == "photo" and made["file_name"] == HOSTILE_NAME and made["thumbnail_url"]
        auth = {"Authorization": f"Bearer {api.token('villager')}"}
        full = api.client.get(made["url"], headers=auth)
        thumb = api.client.get(made["thumbnail_url"], headers=auth)
        assert full.headers["content-type"] == "image/jpeg" and b"SecretCam" not in full.content
        assert max(Image.open(io.BytesIO(full.content)).size) <= 1600
        assert max(Image.open(io.BytesIO(thumb.content)).size) <= 320
        got = api.get(f"/disclosures/{disclosure_id}", "villager").json()["attachments"]
        assert [a["id"] for a in got] == [made["id"]]
        assert api.client.get(made["url"], headers={"Authorization": f"Bearer {api.token('neighbour')}"}
                              ).status_code == 404

    def test_pdf_and_xlsx_are_downloads(self, api, disclosure_id):
        pdf = upload(api, disclosure_id, "账目.pdf", b"%PDF-1.4\n%fake but starts right\n")
        xlsx = upload(api, disclosure_id, "账目", xlsx_bytes())
        assert pdf.status_code == xlsx.status_code == 201
        assert pdf.json()["kind"] == "pdf" and xlsx.json()["kind"] == "xlsx" and xlsx.json()["file_name"] == "账目.xlsx"
        r = api.client.get(pdf.json()["url"], headers={"Authorization": f"Bearer {api.token('villager')}"})
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["content-disposition"].startswith("attachment")
        assert r.headers["x-content-type-options"] == "nosniff"

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("name,data", [
        ("发票.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200),  # a Windows executable renamed
        ("表.xlsx", b"\x7fELF\x02\x01\x01" + b"\x00" * 100),
        ("表.xlsx", None),  # a zip that is not a workbook
        ("x.html", b"<html><script>alert(1)</script></html>"),
        ("空.pdf", b""),
    ])
    def test_wrong_content_is_refused(self, api, disclosure_id, name, data):
        if data is None:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as z:
                z.writestr("evil.exe", b"MZ")
            data = buffer.getvalue()
        r = upload(api, disclosure_id, name, data)
        assert r.status_code == 422 and error_code(r) == "validation_error"
        assert api.get(f"/disclosures/{disclosure_id}", "villager").json()["attachments"] == []

    def test_image_bomb_is_refused(self, api, disclosure_id):
        bomb = io.BytesIO()
        Image.new("1", (20000, 20000)).save(bomb, "PNG")  # 400 MP in a few kB
        r = upload(api, disclosure_id, "bomb.png", bomb.getvalue())
        assert r.status_code == 422 and "图片尺寸过大" in r.json()["error"]["message"]

    def test_too_large_is_refused(self, api, disclosure_id):
        r = upload(api, disclosure_id, "big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))
        assert r.status_code == 413 and "PDF 文件不能超过 5 MB" in r.json()["error"]["message"]

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who,status", [("villager", 403), ("committee", 403), ("neighbour", 404)])
    def test_only_officials_attach(self, api, disclosure_id, who, status):
        assert upload(api, disclosure_id, "a.jpg", jpeg_bytes(), who=who).status_code == status


def step(api, decision_id, name, who="official", **extra):
    body = {"step": name, "held_on": date.today().isoformat(), "attendance": 9}
    body.update(extra)
    return api.post(f"/decisions/{decision_id}/steps", who, json=body)


class TestDecisions:
    def test_six_steps_in_order(self, api):
        made = api.post("/decisions", "official", json={"title": "修建文化广场", "summary": "预算 20 万"})
        assert made.status_code == 201 and made.json()["status"] == "propose"
        did = made.json()["id"]
        assert error_code(step(api, did, "discuss")) == "invalid_state"  # skipped the first step
        assert step(api, did, "propose").status_code == 201
        assert error_code(step(api, did, "propose")) == "invalid_state"  # the same step again
        assert step(api, did, "discuss").status_code == 201
        assert error_code(step(api, did, "review", expected=10)) == "validation_error"  # a vote without votes
        r = step(api, did, "review", expected=10, votes_for=8, votes_against=0, votes_abstain=1)
        assert r.status_code == 201 and r.json()["votes_for"] == 8 and r.json()["outcome"] == "passed"
        assert step(api, did, "resolve", expected=12, votes_for=7, votes_against=1, votes_abstain=1
                    ).status_code == 201
        assert step(api, did, "publish").status_code == 201
        assert step(api, did, "result", minutes=SCRIPT).status_code == 201
        got = api.get(f"/decisions/{did}", "villager").json()
        assert got["status"] == "done" and [s["position"] for s in got["steps"]] == [1, 2, 3, 4, 5, 6]
        assert got["steps"][-1]["minutes"] == SCRIPT
        assert error_code(step(api, did, "result")) == "invalid_state"

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("extra", [{"attendance": None}, {"attendance": -1}, {"attendance": "9"},
                                       {"votes_for": 3}, {"step": "gossip"}, {"held_on": "2026-13-01"}])
    def test_bad_steps_are_refused(self, api, extra):
        did = api.post("/decisions", "official", json={"title": "事项"}).json()["id"]
        extra = dict(extra)  # the parameter is shared by both databases' runs
        r = step(api, did, extra.pop("step", "propose"), **extra)
        assert r.status_code == 422 and error_code(r) == "validation_error"

    def test_votes_cannot_exceed_attendance_and_dates_go_forward(self, api):
        did = api.post("/decisions", "official", json={"title": "事项"}).json()["id"]
        step(api, did, "propose")
        step(api, did, "discuss")
        r = step(api, did, "review", attendance=5, expected=6, votes_for=5, votes_against=1, votes_abstain=0)
        assert error_code(r) == "validation_error"
        earlier = (date.today() - timedelta(days=3)).isoformat()
        r = step(api, did, "review", held_on=earlier, expected=10, votes_for=5, votes_against=0, votes_abstain=0)
        assert error_code(r) == "validation_error"

    def test_demo_decision_is_part_way(self, api):
        items = api.get("/decisions", "villager").json()["items"]
        assert any(d["status"] == "publish" and len(d["steps"]) == 4 for d in items)

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("who,status", [("villager", 403), ("committee", 403), ("neighbour", 404)])
    def test_others_cannot_record(self, api, who, status):
        did = api.get("/decisions", "official").json()["items"][0]["id"]
        assert step(api, did, "publish", who=who).status_code == status
        if who != "neighbour":
            assert api.post("/decisions", who, json={"title": "x"}).status_code == 403

    def test_neighbour_sees_no_decisions_or_powers(self, api):
        village = api.get("/me", "villager").json()["village_id"]
        theirs = api.get("/decisions", "neighbour").json()["items"]  # 邻村's own (its 村规民约's amendment) only
        assert {d["village_id"] for d in theirs} == {api.get("/me", "neighbour").json()["village_id"]}
        assert api.get(f"/villages/{village}/small-powers", "neighbour").status_code == 404
        powers = api.get(f"/villages/{village}/small-powers", "villager").json()["items"]
        assert 10 <= len(powers) <= 15 and "低保申请" in [p["name"] for p in powers]
