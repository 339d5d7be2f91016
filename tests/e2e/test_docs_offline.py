"""/docs works with nothing but this server (issue #7, item 11): Swagger UI comes from static/, runs under the same
Content-Security-Policy as every page, and lists the API's operations."""

import pytest

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.service_worker]

CSP_WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


def test_the_api_docs_work_offline_under_the_csp(live_server, new_context):
    context = new_context()
    outside: list[str] = []

    def only_this_server(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:  # a CDN, a validator badge, a font: the network beyond this server is gone
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_this_server)
    page = context.new_page()
    page.add_init_script(CSP_WATCH)
    response = page.goto(f"{live_server}/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    # Swagger UI draws long lists as virtual ones (only what is on screen): the paths it holds come from its store.
    paths = page.evaluate("Object.keys(window.ui.specSelectors.specJson().toJS().paths)")
    assert "/api/v1/points/awards" in paths and "/api/v1/shops/{shop_id}/redemptions" in paths
    assert len(paths) >= 30
    page.get_by_text("/api/v1/health", exact=True).click()  # an operation opens, with its answer's schema
    page.get_by_role("button", name="Try it out").wait_for()
    assert page.evaluate("window.__csp") == []
    assert outside == []
    # A developer's page in Swagger UI's own small print: a screenshot, without the villagers' layout check
    screenshot(page, "docs-offline")
