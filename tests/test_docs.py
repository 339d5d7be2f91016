"""/docs is served from this server alone, under the app's CSP (issue #7, item 11); the browser test that it
runs offline is tests/e2e/test_docs_offline.py."""

import re

import pytest

from app.static_files import static_url

pytestmark = pytest.mark.sqlite_only


def test_the_docs_page_loads_nothing_from_elsewhere(api):
    r = api.client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", r.text), "a script, style or icon from another server"
    assert "<script>" not in r.text  # no inline script: the CSP would refuse it
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', r.text):
        got = api.client.get(asset)
        assert got.status_code == 200 and len(got.content) > 0, asset
    wanted = {static_url(name) for name in ("swagger-ui-bundle-5.35.0.js", "swagger-ui-5.35.0.css", "docs.js")}
    assert wanted <= set(re.findall(r'(?:src|href)="(/static/[^"]+)"', r.text))


def test_the_schema_it_reads_is_served(api):
    r = api.client.get("/openapi.json")
    assert r.status_code == 200 and "/api/v1/points/awards" in r.json()["paths"]
