"""Static files under content-hashed names, kept a year (issue #18 item 6): what /static/ answers for a current,
an old and an unknown hash and for a plain name; no page refers to a static file by its plain name; the service
worker as served precaches the hashed names and changes with them."""

import re
from pathlib import Path

import pytest

from app import shell, static_files
from app.static_files import IMMUTABLE, static_hashes, static_url, static_version
from tests.pages.conftest import sign_in
from tests.pages.test_pages import shell_entries

pytestmark = pytest.mark.sqlite_only
WEB_DIR = Path(__file__).resolve().parents[2] / "web"
STATIC_REF = re.compile(r'(?:src|href|data-jsqr)="(/static/[^"]*)"')
PAGES = {"villager": ["/", "/points", "/me", "/shop", "/pay", "/service", "/disclosures"],
         "attendant": ["/counter", "/counter/requests", "/shop/manage"],
         "official": ["/admin/households", "/admin/audit", "/evaluation"]}


class TestHashedNames:
    def test_the_current_hash_is_served_for_a_year(self, web):
        url = static_url("app.js")
        assert re.fullmatch(r"/static/app\.[0-9a-f]{12}\.js", url)
        r = web.get(url)
        assert r.status_code == 200 and r.content == (static_files.STATIC_DIR / "app.js").read_bytes()
        assert r.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        assert r.headers["content-type"].startswith("text/javascript")

    def test_a_versioned_vendor_file_gets_a_hash_too(self, web):
        url = static_url("htmx-2.0.11.min.js")
        assert re.fullmatch(r"/static/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js", url)
        assert web.get(url).headers["cache-control"] == IMMUTABLE

    def test_an_old_hash_gets_todays_file_revalidated_never_kept_a_year(self, web):
        """A page drawn before a deploy (an open tab, the back/forward cache) still gets its styles and scripts."""
        r = web.get("/static/app.0123456789ab.css")
        assert r.status_code == 200 and r.content == (static_files.STATIC_DIR / "app.css").read_bytes()
        assert r.headers["cache-control"] == "no-cache"

    @pytest.mark.parametrize("path", ["/static/nothing.0123456789ab.js", "/static/nothing.js",
                                      "/static/app.0123456789ab.js.map", "/static/../app/main.py"])
    def test_an_unknown_file_is_404(self, web, path):
        assert web.get(path).status_code == 404

    def test_a_plain_name_still_works_for_a_short_while(self, web):
        r = web.get("/static/icon-192.png")  # the manifest's icons, the favicon redirect, old bookmarks
        assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=300"


class TestNoPlainStaticNames:
    def test_no_template_writes_a_static_address_by_hand(self):
        """Every reference goes through static_url(): a plain /static/x.js would be fetched again on every visit."""
        offenders = [f"{path.relative_to(WEB_DIR)}:{n}" for path in sorted(WEB_DIR.rglob("*.html"))
                     for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "/static/" in line]
        assert not offenders, f"write {{{{ static_url('x.js') }}}}, not /static/x.js: {offenders}"

    def test_every_static_address_on_the_pages_is_hashed_and_kept_a_year(self, web):
        seen = set()
        for who, paths in PAGES.items():
            web.cookies.clear()
            sign_in(web, who)
            for path in paths:
                r = web.get(path)
                assert r.status_code == 200, (who, path)
                refs = STATIC_REF.findall(r.text)
                assert refs, (who, path)
                plain = [u for u in refs if not re.search(r"\.[0-9a-f]{12}\.\w+$", u)]
                assert not plain, (who, path, plain)
                seen.update(refs)
        web.cookies.clear()
        for url in sorted(seen):
            r = web.get(url)
            assert (r.status_code, r.headers["cache-control"]) == (200, IMMUTABLE), url


class TestServiceWorker:
    def test_it_precaches_the_hashed_shell_under_a_cache_named_by_the_hashes(self, web):
        source = web.get("/sw.js").text
        shell_list = shell_entries(source)
        for name in ("app.css", "app.js", "htmx-2.0.11.min.js", "icon-192.png"):
            assert static_url(name) in shell_list, name
        assert not [u for u in shell_list if u.startswith("/static/") and u not in {
            static_url(n) for n in static_hashes()}]
        assert f'const VERSION = "{static_version()}";' in source and "const CACHE = `zf-shell-${VERSION}`;" in source
        for url in shell_list:
            assert web.get(url).status_code == 200, url

    def test_a_deploy_that_changes_a_file_changes_the_worker(self, monkeypatch):
        """The browser compares sw.js byte for byte: new hashes install a new worker, which empties the old cache."""
        before = shell.served_service_worker.__wrapped__()
        changed = {**static_hashes(), "app.css": "f" * 12}
        monkeypatch.setattr(static_files, "static_hashes", lambda: changed)
        monkeypatch.setattr(shell, "static_hashes", lambda: changed)
        after = shell.served_service_worker.__wrapped__()
        assert after != before and "/static/app.ffffffffffff.css" in after
        assert re.search(r'const VERSION = "([0-9a-f]+)"', after)[1] != re.search(r'const VERSION = "([0-9a-f]+)"',
                                                                                   before)[1]
