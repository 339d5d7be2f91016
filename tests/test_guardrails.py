"""Guard rails on the code's shape (shared/style.md)."""

import ast
from pathlib import Path

import pytest

from app.config import ROOT, Settings, UnsafeConfiguration

WEB_MODULES = ("fastapi", "starlette", "jinja2")


@pytest.mark.parametrize("path", sorted((ROOT / "app").glob("*/service.py")), ids=lambda p: p.parent.name)
def test_services_do_not_import_the_web_layer(path: Path):
    tree = ast.parse(path.read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.split(".")[0] in WEB_MODULES]


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
