"""Production starts clean (issue #7, item 7): `make run`'s seed-demo never makes the demo world in production; the
documented `create-admin` makes the county's org tree and its first administrator; until then the server says how."""

import os
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import select

from app import __main__ as cli
from app.config import get_settings
from app.db import session_for
from app.main import bind_app
from app.org.models import OrgKind, OrgUnit, Role, RoleAssignment, User
from tests.conftest import TestClient, make_settings

STRONG_SECRET = "s" * 20 + "-production-secret-" + "k" * 20
ADMIN_PHONE = "13912345678"
ADMIN_PASSWORD = "qinghe-County-2026"
TREE = "# 乡镇：村\n清河镇：示范村、邻村\n东山乡: 东山村, 西山村\n"


@pytest.fixture
def environment(engine, monkeypatch):
    """The commands' settings come from the environment: this test's database, production with a strong secret."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def client_for(engine, routed_app) -> TestClient:
    return TestClient(bind_app(routed_app, make_settings(engine), engine, strict_templates=True))


def login(client: TestClient, phone: str, password: str) -> int:
    return client.post("/api/v1/auth/login", json={"phone": phone, "password": password}).status_code


def create_admin(*extra: str, phone: str = ADMIN_PHONE) -> int:
    return cli.main(["create-admin", "--county", "振风县", "--phone", phone, "--name", "王县长", *extra])


def units(engine) -> list[tuple[str, str]]:
    with session_for(engine, write=False) as s:
        return sorted((u.kind, u.name) for u in s.exec(select(OrgUnit)))


class TestSeedDemo:
    def test_production_never_creates_the_demo_world(self, environment, engine, routed_app, capsys):
        """The report: APP_ENV=production, a strong SECRET_KEY, an empty database: make run made the demo world."""
        assert cli.main(["seed-demo"]) == 0  # make run goes on to serve
        assert units(engine) == []
        with client_for(engine, routed_app) as client:
            for phone in ("13800000001", "13800000006"):
                assert login(client, phone, "demo1234") == 401
        assert "never created" in capsys.readouterr().err

    def test_outside_production_the_demo_world_is_made(self, environment, engine):
        environment.setenv("APP_ENV", "development")
        get_settings.cache_clear()
        assert cli.main(["seed-demo"]) == 0
        assert ("village", "示范村") in units(engine)


class TestCreateAdmin:
    def test_creates_the_county_tree_and_its_admin(self, environment, engine, routed_app, tmp_path, capsys):
        environment.setenv(cli.PASSWORD_ENV, ADMIN_PASSWORD)
        (tmp_path / "org.txt").write_text(TREE, encoding="utf-8")
        assert create_admin("--tree", str(tmp_path / "org.txt")) == 0
        assert units(engine) == sorted([("county", "振风县"), ("township", "清河镇"), ("township", "东山乡"),
                                        ("village", "示范村"), ("village", "邻村"), ("village", "东山村"),
                                        ("village", "西山村")])
        with session_for(engine, write=False) as s:
            admin = s.exec(select(User).where(User.phone == ADMIN_PHONE)).one()
            county = s.exec(select(OrgUnit).where(OrgUnit.kind == OrgKind.county)).one()
            roles = s.exec(select(RoleAssignment).where(RoleAssignment.user_id == admin.id)).all()
            assert [(r.role, r.org_id) for r in roles] == [(Role.county_admin, county.id)]
        with client_for(engine, routed_app) as client:
            assert login(client, ADMIN_PHONE, ADMIN_PASSWORD) == 200
        assert ADMIN_PASSWORD not in capsys.readouterr().out  # never echoed

    def test_running_it_again_changes_nothing(self, environment, engine, tmp_path):
        environment.setenv(cli.PASSWORD_ENV, ADMIN_PASSWORD)
        (tmp_path / "org.txt").write_text(TREE, encoding="utf-8")
        assert create_admin("--tree", str(tmp_path / "org.txt")) == 0
        before = units(engine)
        assert create_admin("--tree", str(tmp_path / "org.txt")) == 0
        assert units(engine) == before
        with session_for(engine, write=False) as s:
            assert len(s.exec(select(User)).all()) == 1

    def test_a_second_county_admin_needs_another(self, environment, engine, capsys):
        environment.setenv(cli.PASSWORD_ENV, ADMIN_PASSWORD)
        assert create_admin() == 0
        assert create_admin(phone="13912345679") == 1
        assert "已经有管理员" in capsys.readouterr().err
        assert create_admin("--another", phone="13912345679") == 0

    def test_a_second_county_is_refused(self, environment, engine, capsys):
        environment.setenv(cli.PASSWORD_ENV, ADMIN_PASSWORD)
        assert create_admin() == 0
        assert cli.main(["create-admin", "--county", "振丰县", "--phone", "13912345679", "--name", "李"]) == 1
        assert "已经有县" in capsys.readouterr().err and ("county", "振丰县") not in units(engine)

    def test_a_town_admin_and_a_village_official_below_it(self, environment, engine, tmp_path):
        environment.setenv(cli.PASSWORD_ENV, ADMIN_PASSWORD)
        (tmp_path / "org.txt").write_text(TREE, encoding="utf-8")
        assert create_admin("--tree", str(tmp_path / "org.txt")) == 0
        assert create_admin("--at", "清河镇", phone="13912345679") == 0
        assert create_admin("--at", "清河镇/示范村", phone="13912345680") == 0
        with session_for(engine, write=False) as s:
            held = {(u.phone, r.role) for u, r in s.exec(select(User, RoleAssignment)
                                                         .join(RoleAssignment, RoleAssignment.user_id == User.id))}
        assert held == {(ADMIN_PHONE, "county_admin"), ("13912345679", "town_admin"), ("13912345680", "official")}

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("password", ["short-1", "onlylettersherexx", "1391234567800", "x13912345678y"])
    def test_a_weak_password_is_refused_and_nothing_is_made(self, environment, engine, password, capsys):
        environment.setenv(cli.PASSWORD_ENV, password)
        assert create_admin() == 1
        assert units(engine) == []
        assert password not in capsys.readouterr().err

    def test_without_a_terminal_or_the_variable_it_says_how(self, environment, engine, monkeypatch, capsys):
        monkeypatch.setattr("sys.stdin.isatty", lambda: False)
        assert create_admin() == 1
        assert cli.PASSWORD_ENV in capsys.readouterr().err and units(engine) == []

    def test_the_password_is_typed_twice_without_echo(self, environment, engine, monkeypatch):
        typed = iter([ADMIN_PASSWORD, ADMIN_PASSWORD])
        monkeypatch.setattr("sys.stdin.isatty", lambda: True)
        monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(typed))
        assert create_admin() == 0

    def test_two_different_typings_are_refused(self, environment, engine, monkeypatch):
        typed = iter([ADMIN_PASSWORD, ADMIN_PASSWORD + "x"])
        monkeypatch.setattr("sys.stdin.isatty", lambda: True)
        monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": next(typed))
        assert create_admin() == 1 and units(engine) == []


class TestNoAdminHint:
    def test_the_server_says_how_while_there_is_no_admin(self, environment, engine):
        assert "create-admin" in cli.admin_hint(engine)
        environment.setenv(cli.PASSWORD_ENV, ADMIN_PASSWORD)
        assert create_admin() == 0
        assert cli.admin_hint(engine) is None

    @pytest.mark.sqlite_only  # page markup
    def test_the_login_page_says_so_in_plain_chinese(self, environment, engine, routed_app):
        with client_for(engine, routed_app) as client:
            assert "还没有管理员" in client.get("/login").text
            environment.setenv(cli.PASSWORD_ENV, ADMIN_PASSWORD)
            assert create_admin() == 0
            assert "还没有管理员" not in client.get("/login").text

    @pytest.mark.sqlite_only
    def test_the_demo_world_shows_no_hint(self, app):
        with TestClient(app) as client:
            assert "还没有管理员" not in client.get("/login").text


class TestWorkers:
    """WORKERS=N serves in N processes on PostgreSQL; SQLite is refused more than one, in words."""

    def test_several_on_postgresql_one_on_sqlite(self, environment, engine, monkeypatch, capsys):
        ran: list[dict] = []
        monkeypatch.setattr(uvicorn, "run", lambda target, **options: ran.append({"target": target, **options}))
        environment.setenv("WORKERS", "2")
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # unset for serve; put back as it was after the test
        get_settings.cache_clear()
        if engine.dialect.name == "sqlite":
            assert cli.main(["serve"]) == 2 and ran == []
            assert "WORKERS=2" in capsys.readouterr().err
        else:
            assert cli.main(["serve"]) == 0
            assert ran[0]["workers"] == 2 and ran[0]["target"] == "app.main:create_served_app" and ran[0]["factory"]
            # the workers' figures meet in a fresh folder, so that /metrics adds them all up
            shared = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
            assert shared.is_dir() and not any(shared.iterdir())

    def test_one_by_default(self, environment, engine, monkeypatch):
        ran: list[dict] = []
        monkeypatch.setattr(uvicorn, "run", lambda target, **options: ran.append(options))
        assert cli.main(["serve"]) == 0 and ran[0]["workers"] == 1

    @pytest.mark.sqlite_only
    @pytest.mark.parametrize(("name", "value", "said"), [
        ("WORKERS", "0", "WORKERS: Input should be greater than or equal to 1"),
        ("WORKERS", "两个", "WORKERS: Input should be a valid integer"),
        ("PORT", "abc", "PORT='abc': a port number from 1 to 65535"),
        ("PORT", "70000", "PORT='70000'"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least"),
    ])
    def test_a_wrong_setting_is_named_not_a_traceback(self, environment, engine, monkeypatch, capsys,
                                                      name, value, said):
        ran: list[dict] = []
        monkeypatch.setattr(uvicorn, "run", lambda target, **options: ran.append(options))
        environment.setenv(name, value)
        get_settings.cache_clear()
        assert cli.main(["serve"]) == 2 and ran == []
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err


@pytest.mark.sqlite_only
def test_the_real_command_starts_the_trees_villages(tmp_path):
    """`python -m app create-admin --tree` in its own process, as a county's IT person runs it: its villages start
    with what every domain gives a new village (criteria, the four councils, the service menu), as villages made from
    人员管理 do. In-process tests could not see it: the test run imports every domain before any command runs."""
    import subprocess
    import sys

    from sqlalchemy import func
    from sqlmodel import SQLModel

    from app.councils.models import Council
    from app.db import make_engine
    from app.evaluation.models import Criterion

    url = f"sqlite:///{tmp_path / 'county.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)  # the schema `alembic upgrade head` makes (tests/test_migrations.py)
    (tmp_path / "org.txt").write_text(TREE, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "production", "SECRET_KEY": STRONG_SECRET,
           cli.PASSWORD_ENV: ADMIN_PASSWORD}
    done = subprocess.run([sys.executable, "-m", "app", "create-admin", "--county", "振风县", "--phone", ADMIN_PHONE,
                           "--name", "王县长", "--tree", str(tmp_path / "org.txt")], env=env, capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[1], timeout=120)
    assert done.returncode == 0, done.stderr
    with session_for(engine, write=False) as s:
        village = s.exec(select(OrgUnit.id).where(OrgUnit.name == "东山村")).one()
        assert s.exec(select(func.count()).select_from(Criterion).where(Criterion.village_id == village)).one() > 0
        assert s.exec(select(func.count()).select_from(Council).where(Council.village_id == village)).one() == 4
    engine.dispose()
