"""Guard rails on the code's shape (shared/style.md)."""

import ast
from pathlib import Path

import pytest

from app.config import ROOT, Settings, UnsafeConfiguration

# The web layer: HTTP routes, request dependencies, rendering. Everything else (models, services, access rules,
# the ledger, images, exports …) must work without a request in sight.
WEB_LAYER_FILES = {"main.py", "deps.py", "errors_http.py", "htmx.py", "templating.py", "shell.py", "forms.py",
                   "middleware.py", "api.py", "pages.py", "media.py"}
WEB_IMPORTS = ("fastapi", "starlette", "jinja2", "app.templating", "app.htmx", "app.deps", "app.errors_http",
               "app.forms")


def is_web_layer(path: Path) -> bool:
    return (path.name in WEB_LAYER_FILES or path.name.endswith("_api.py")
            or "pages" in path.relative_to(ROOT / "app").parts[:-1])


CORE_MODULES = sorted(p for p in (ROOT / "app").rglob("*.py") if not is_web_layer(p))


def web_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    return [m for m in imported if any(m == w or m.startswith(w + ".") for w in WEB_IMPORTS)]


def test_the_guard_sees_every_domain():
    names = {str(p.relative_to(ROOT / "app")) for p in CORE_MODULES}
    assert {"shop/redemption/service.py", "shop/redemption/counter.py", "ledger/postings.py", "org/access.py",
            "auth/limits.py"} <= names
    assert "shop/redemption/pages/counter.py" not in names and "org/api.py" not in names


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda p: str(p.relative_to(ROOT / "app")))
def test_core_modules_do_not_import_the_web_layer(path: Path):
    assert web_imports(path) == []


def test_the_guard_catches_a_web_import(tmp_path):
    sneaky = tmp_path / "service.py"
    sneaky.write_text("from fastapi import Request\nimport starlette.requests\nfrom app.htmx import render\n")
    assert web_imports(sneaky) == ["fastapi", "app.htmx", "starlette.requests"]


def test_only_the_ledger_and_the_demo_post_a_credit_past_the_policy():
    """Every door credits through credit_household (the one policy, issue #15); post_credit writes a credit's legs
    without it, for an approval and for the demo world's history alone."""
    def calls_it(path: Path) -> bool:
        return any(isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "post_credit"
                   for node in ast.walk(ast.parse(path.read_text())))

    callers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "app").rglob("*.py") if calls_it(p))
    assert callers == ["app/demo.py", "app/ledger/approvals.py", "app/ledger/service.py"]


def test_no_template_marks_user_text_safe():
    offenders = [str(p) for p in (ROOT / "web").rglob("*.html") if "|safe" in p.read_text().replace(" ", "")]
    assert offenders == []


class TestSecrets:
    def test_production_refuses_to_start_without_a_secret(self):
        with pytest.raises(UnsafeConfiguration):
            Settings(app_env="production", secret_key="").resolved_secret()

    @pytest.mark.parametrize("weak", ["changeme", "short-secret", "secret"])
    def test_production_refuses_a_weak_secret(self, weak):
        with pytest.raises(UnsafeConfiguration):
            Settings(app_env="production", secret_key=weak).resolved_secret()

    def test_production_accepts_a_strong_secret(self):
        key = "k" * 16 + "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c"
        assert Settings(app_env="production", secret_key=key).resolved_secret() == key

    def test_development_generates_one_into_var(self):
        secret = Settings(app_env="development", secret_key="").resolved_secret()
        assert len(secret) >= 32
        assert (ROOT / "var" / "secret_key").read_text().strip() == secret

    def test_no_secret_constant_in_the_code(self):
        for path in (ROOT / "app").rglob("*.py"):
            assert "SECRET_KEY =" not in path.read_text(), path


def test_ruff_is_clean():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ruff", "check", "app", "tests", "bench", "alembic", "scripts"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


class TestPasswordHashing:
    """The suite hashes with argon2's cheapest parameters (tests/conftest.py); the app keeps argon2's defaults."""

    def test_the_app_hashes_with_argon2s_defaults(self):
        import subprocess
        import sys

        script = ("from argon2 import PasswordHasher, extract_parameters\n"
                  "import app.__main__, app.main, app.demo\n"
                  "from app.security import hash_password, verify_password\n"
                  "used, default = extract_parameters(hash_password('x')), PasswordHasher()\n"
                  "assert (used.time_cost, used.memory_cost, used.parallelism, used.hash_len, used.salt_len) == ("
                  "default.time_cost, default.memory_cost, default.parallelism, default.hash_len, default.salt_len)"
                  ", used\n"
                  "assert default.memory_cost >= 65536 and default.time_cost >= 3\n")
        result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]

    def test_only_the_test_suite_switches_to_cheap_hashing(self):
        def calls_it(path: Path) -> bool:
            return any(isinstance(node, ast.Call) and "use_cheap_hashing_for_tests" in ast.unparse(node.func)
                       for node in ast.walk(ast.parse(path.read_text())))

        assert [p for p in (ROOT / "app").rglob("*.py") if calls_it(p)] == []
        assert calls_it(ROOT / "tests" / "conftest.py")

    def test_the_suite_hashes_cheaply_and_still_verifies_for_real(self):
        from argon2 import PasswordHasher, extract_parameters, profiles

        from app.security import hash_password, verify_password
        from tests.conftest import DEMO_HASH

        assert extract_parameters(DEMO_HASH).memory_cost == profiles.CHEAPEST.memory_cost
        assert verify_password(hash_password("demo1234"), "demo1234")
        assert not verify_password(DEMO_HASH, "demo12345")
        assert verify_password(PasswordHasher().hash("strong"), "strong")  # hashes made with the defaults still work
