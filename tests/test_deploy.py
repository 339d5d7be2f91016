"""The deployment files (deploy/, issue #19 item 6), checked as far as they can be offline: the compose file parses
and never seeds the demo world, the nginx site gives every long wait of the app its time, the systemd unit starts a
command the app has."""

import inspect
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from fastapi.routing import APIRoute

from app.__main__ import main
from app.config import ROOT, Settings

DEPLOY = ROOT / "deploy"
pytestmark = pytest.mark.sqlite_only  # files, not databases


def uncommented(text: str) -> str:
    return re.sub(r"#.*$", "", text, flags=re.M)


def nginx_locations(text: str) -> dict[str, str]:
    """`location` → its block's text, for the site's one level of locations."""
    return {m[1].strip(): m[2] for m in re.finditer(r"location\s+([^{]+)\{([^{}]*)\}", uncommented(text))}


def https_server(text: str) -> str:
    """The TLS server's own directives, without its locations."""
    server = uncommented(text).split("listen 443", 1)[1]
    return re.sub(r"location\s+[^{]+\{[^{}]*\}", "", server)


def seconds(block: str, directive: str) -> int | None:
    found = re.search(rf"^\s*{directive}\s+(\d+)s;", block, re.M)
    return int(found[1]) if found else None


def waiting_routes(app) -> dict[str, int]:
    """The routes that hold a request open while they wait (an asyncio.sleep in their loop), with the longest wait
    their module declares (WAIT_MOST_SECONDS)."""
    found = {}
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for ctx in contexts:
            original = getattr(ctx, "original_route", ctx)
            if isinstance(original, APIRoute) and "asyncio.sleep" in inspect.getsource(original.endpoint):
                module = inspect.getmodule(original.endpoint)
                assert hasattr(module, "WAIT_MOST_SECONDS"), f"{ctx.path} waits: name its longest wait"
                found[ctx.path] = module.WAIT_MOST_SECONDS
    return found


class TestNginx:
    site = (DEPLOY / "nginx" / "zhenfeng.conf").read_text()

    def test_every_long_wait_has_its_time(self, routed_app):
        waits = waiting_routes(routed_app)
        assert "/pay/wait" in waits  # the one known today: a new one is found the same way
        locations = nginx_locations(self.site)
        default = seconds(https_server(self.site), "proxy_read_timeout")
        for path, most in waits.items():
            block = locations.get(f"= {path}")
            assert block is not None, f"deploy/nginx/zhenfeng.conf names no location for {path}"
            assert (seconds(block, "proxy_read_timeout") or default) >= most + 10, path
            assert "proxy_buffering off" in block

    def test_every_other_route_fits_the_default_time(self):
        default = seconds(https_server(self.site), "proxy_read_timeout")
        assert default >= 2 * Settings().db_write_wait + 10  # a lock wait, then the writer's queue, and the answer

    def test_static_files_and_photos_are_cached_as_the_app_says(self):
        locations = nginx_locations(self.site)
        for prefix in ("/static/", "/media/goods/"):
            assert "proxy_cache zhenfeng_static" in locations[prefix]
            assert "proxy_cache_valid" not in locations[prefix]  # the app's Cache-Control decides, never nginx
        assert "proxy_cache" not in locations["/"]

    def test_tls_gzip_uploads_and_no_public_metrics(self):
        assert re.search(r"listen 443 ssl", self.site) and "ssl_certificate_key" in self.site
        assert re.search(r"^\s*gzip on;", self.site, re.M)
        size = re.search(r"client_max_body_size (\d+)m;", self.site)
        assert int(size[1]) * 1024 * 1024 >= Settings().max_upload_bytes
        assert nginx_locations(self.site)["= /metrics"].strip() == "return 404;"
        assert "proxy_set_header X-Request-ID $request_id;" in self.site

    @pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
    def test_nginx_accepts_it(self, tmp_path):
        """`nginx -t` on the site with its upstream and a throwaway certificate (when nginx is installed)."""
        from app.tls import make_self_signed

        cert, key = make_self_signed(tmp_path / "tls", ["127.0.0.1"])
        site = (self.site.replace("/etc/nginx/snippets/zhenfeng-upstream.conf", str(DEPLOY / "nginx" / "upstream.conf"))
                .replace("/etc/ssl/zhenfeng/fullchain.pem", str(cert))
                .replace("/etc/ssl/zhenfeng/privkey.pem", str(key))
                .replace("/var/cache/nginx/zhenfeng", str(tmp_path / "cache")))
        (tmp_path / "site.conf").write_text(site)
        (tmp_path / "nginx.conf").write_text(
            f"pid {tmp_path}/nginx.pid; error_log stderr; events {{}}\n"
            f"http {{ access_log off; include {tmp_path}/site.conf; }}\n")
        done = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


class TestSystemd:
    unit = (DEPLOY / "zhenfeng.service").read_text()

    def setting(self, name: str) -> list[str]:
        return re.findall(rf"^{name}=(.*)$", self.unit, re.M)

    def test_it_starts_a_command_the_app_has(self, capsys):
        (start,) = self.setting("ExecStart")
        venv_python, *args = shlex.split(start)
        assert venv_python.endswith("/.venv/bin/python") and args[:2] == ["-m", "app"]
        assert (ROOT / "app" / "__main__.py").exists()
        with pytest.raises(SystemExit) as done:
            main([*args[2:], "--help"])
        assert done.value.code == 0 and "usage: python -m app serve" in capsys.readouterr().out

    def test_it_migrates_first_and_reads_its_settings_from_a_file(self):
        assert self.setting("ExecStartPre") == ["/srv/zhenfeng/.venv/bin/python -m alembic upgrade head"]
        assert (ROOT / "alembic.ini").exists()
        assert self.setting("EnvironmentFile") == ["/etc/zhenfeng/zhenfeng.env"]
        example = (DEPLOY / "zhenfeng.env.example").read_text()
        assert re.search(r"^APP_ENV=production$", example, re.M)
        names = {line.split("=")[0] for line in example.splitlines() if re.match(r"^[A-Z_]+=", line)}
        assert names - {"HOST", "PORT", "WORKERS"} <= {name.upper() for name in Settings.model_fields}

    def test_it_runs_as_its_own_user_hardened_and_restarts(self):
        assert self.setting("User") == ["zhenfeng"] and self.setting("Restart") == ["on-failure"]
        for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "CapabilityBoundingSet"):
            assert self.setting(hardening), hardening
        assert self.setting("ReadWritePaths") == ["/srv/zhenfeng/var"]


class TestCompose:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    dockerfile = (DEPLOY / "Dockerfile").read_text()

    def test_it_parses_into_the_app_postgresql_and_nginx(self):
        assert set(self.compose["services"]) == {"app", "db", "nginx"}
        assert self.compose["services"]["db"]["image"].startswith("postgres:15")
        assert self.compose["services"]["app"]["depends_on"]["db"]["condition"] == "service_healthy"

    def test_the_app_is_production_and_migrates_on_start_never_seeding(self):
        app = self.compose["services"]["app"]
        assert app["environment"]["APP_ENV"] == "production" and "ENV APP_ENV=production" in self.dockerfile
        (command,) = re.findall(r"^CMD (.*)$", self.dockerfile, re.M)
        assert "alembic upgrade head" in command and command.endswith('exec .venv/bin/python -m app serve"]')
        assert "seed-demo" not in self.dockerfile + (DEPLOY / "compose.yaml").read_text()

    def test_the_image_installs_the_hash_pinned_lock(self):
        assert "pip install --require-hashes -r requirements/main.lock" in self.dockerfile
        assert "--no-deps" in self.dockerfile.split("requirements/main.lock")[-1]

    def test_nginx_is_the_one_trusted_proxy_and_its_files_exist(self):
        services = self.compose["services"]
        nginx_address = services["nginx"]["networks"]["default"]["ipv4_address"]
        assert services["app"]["environment"]["TRUSTED_PROXIES"] == nginx_address
        for volume in services["nginx"]["volumes"]:
            source = volume.split(":")[0]
            assert (DEPLOY / source).exists(), source
        assert "server app:" in (DEPLOY / "nginx" / "upstream-compose.conf").read_text()


def test_logrotate_moves_the_log_the_unit_writes():
    rotate = uncommented((DEPLOY / "logrotate" / "zhenfeng").read_text())
    unit = (DEPLOY / "zhenfeng.service").read_text()
    log_file = re.search(r"^Environment=LOG_FILE=(\S+)$", unit, re.M)[1]
    assert Path(log_file).parent.as_posix() + "/*.log {" in rotate and "copytruncate" not in rotate
