from tests.conftest import error_code


def test_health_answers_without_login(api):
    r = api.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_unknown_route_uses_the_error_shape(api):
    r = api.get("/no-such-thing")
    assert r.status_code == 404 and error_code(r) == "not_found"
