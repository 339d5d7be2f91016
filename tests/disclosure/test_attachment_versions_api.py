"""A file added to a published disclosure makes a new version with its reason ("补充附件：…"); what villagers read
before stays readable as it was, without the file. On both databases."""

import re

import pytest

from tests.disclosure.test_files_decisions_api import upload
from tests.pages.conftest import sign_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def test_an_attachment_after_publication_is_a_new_version(api):
    made = api.post("/disclosures", "official", json={"category": "finance", "title": "十月账目", "body": "收支见下"})
    did = made.json()["id"]
    assert made.json()["version"] == 1
    r = upload(api, did, "十月明细.pdf", PDF)
    assert r.status_code == 201, r.text
    now = api.get(f"/disclosures/{did}", "villager").json()
    assert now["version"] == 2 and now["reason"] == "补充附件：十月明细.pdf"
    assert now["title"] == "十月账目" and now["body"] == "收支见下"
    assert [a["file_name"] for a in now["attachments"]] == ["十月明细.pdf"]
    first = api.get(f"/disclosures/{did}/versions/1", "villager").json()
    assert first["body"] == "收支见下" and first["attachments"] == []
    listed = {v["version"]: v for v in api.get(f"/disclosures/{did}/versions", "villager").json()["items"]}
    assert listed[1]["attachments"] == [] and len(listed[2]["attachments"]) == 1
    assert upload(api, did, "照片说明.pdf", PDF).status_code == 201
    assert api.get(f"/disclosures/{did}", "villager").json()["version"] == 3
    second = api.get(f"/disclosures/{did}/versions/2", "villager").json()
    assert [a["file_name"] for a in second["attachments"]] == ["十月明细.pdf"]


def test_a_refused_file_makes_no_version(api):
    did = api.post("/disclosures", "official", json={"category": "finance", "title": "账目", "body": "正文"}
                   ).json()["id"]
    assert upload(api, did, "x.exe", b"MZ\x90\x00").status_code == 422
    assert api.get(f"/disclosures/{did}", "villager").json()["version"] == 1


@pytest.mark.sqlite_only  # page markup
def test_the_old_version_page_shows_no_later_file(web):
    token = sign_in(web, "official")
    made = web.post("/disclosures", data={"csrf_token": token, "category": "finance", "title": "十一月账目",
                                          "body": "收支见下"})
    did = re.search(r"/disclosures/(\d+)", made.headers["location"]).group(1)
    r = web.post(f"/disclosures/{did}/attachments", data={"csrf_token": token},
                 files={"file": ("后补明细.pdf", PDF, "application/pdf")})
    assert r.status_code == 303, r.text
    assert "后补明细.pdf" in web.get(f"/disclosures/{did}").text
    old = web.get(f"/disclosures/{did}/versions/1").text
    assert "收支见下" in old and "后补明细.pdf" not in old
    assert "补充附件：后补明细.pdf" in web.get(f"/disclosures/{did}/versions").text
