"""Guard rails on the code's shape (shared/style.md)."""

import ast
from pathlib import Path

import pytest

from app.config import ROOT, Settings, UnsafeConfiguration

# The web layer: HTTP routes, request dependencies, rendering. Everything else (models, services, access rules,
# the ledger, images, exports …) must work without a request in sight.
WEB_LAYER_FILES = {"main.py", "deps.py", "errors_http.py", "htmx.py", "templating.py", "shell.py", "forms.py",
                   "middleware.py", "observe.py", "form_replay.py", "api.py", "pages.py", "media.py",
                   "download.py", "route_gate.py"}  # download.py: a built workbook handed out as an HTTP answer
# (app/exports); route_gate.py: how the app finds a request's route
WEB_IMPORTS = ("fastapi", "starlette", "jinja2", "app.templating", "app.htmx", "app.deps", "app.errors_http",
               "app.forms")


def is_web_layer(path: Path) -> bool:
    return (path.name in WEB_LAYER_FILES or path.name.endswith(("_api.py", "_pages.py"))
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


# --- issue #16: one answer to "which household, which village", roles by name ------------------------------------

APP_MODULES = sorted((ROOT / "app").rglob("*.py"))  # every module, app/shop/ and app/ledger/ included
ROLE_NAMES = frozenset({"villager", "attendant", "volunteer", "official", "committee", "town_admin", "county_admin"})


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT / "app"))


def own_household_lookups(source: str) -> list[int]:
    """Lines that load the acting user's household by hand: `session.get(Household, <x>.user.household_id)`."""
    return sorted(node.lineno for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                  and len(node.args) == 2 and ast.unparse(node.args[0]) == "Household"
                  and ast.unparse(node.args[1]).endswith(".user.household_id"))


def role_literals(source: str) -> list[int]:
    """Lines with a role written as a string ("official") rather than a Role member or a named role set. A key of
    a dict or a subscript (a field named like a role) and a router's OpenAPI `tags` are names, not roles."""
    tree = ast.parse(source)
    names_not_roles: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            names_not_roles |= {id(k) for k in node.keys if k is not None}
        elif isinstance(node, ast.Subscript):
            names_not_roles.add(id(node.slice))
        elif isinstance(node, ast.keyword) and node.arg == "tags":
            names_not_roles |= {id(n) for n in ast.walk(node.value)}
    return sorted(node.lineno for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and node.value in ROLE_NAMES and id(node) not in names_not_roles)


@pytest.mark.parametrize("path", [p for p in APP_MODULES if _rel(p) != "org/access.py"], ids=_rel)
def test_the_acting_household_is_loaded_in_one_place(path: Path):
    """app/org/access.py `acting_household` / `own_household` answer it; nobody else loads it by hand."""
    assert own_household_lookups(path.read_text()) == []


@pytest.mark.parametrize("path", [p for p in APP_MODULES if p.relative_to(ROOT / "app").parts[0] != "org"],
                         ids=_rel)
def test_roles_are_named_not_spelled(path: Path):
    """Role checks use the role sets of app/org/access.py (OFFICIALS, VILLAGE_STAFF …) or Role members."""
    assert role_literals(path.read_text()) == []


def test_the_household_and_role_guards_catch_what_they_guard():
    sneaky = ("h = session.get(Household, actor.user.household_id) if actor.user.household_id else None\n"
              "ok = actor.can(v, {'official', 'town_admin'})\n"
              "if assignment.role == 'committee': pass\n"
              "counts = {'volunteer': 0}\ncounts['volunteer'] += 1\nrouter = APIRouter(tags=['volunteer'])\n")
    assert own_household_lookups(sneaky) == [1]
    assert role_literals(sneaky) == [2, 2, 3]
    assert own_household_lookups("h = session.get(Household, household_id)\n") == []
    assert {"evaluation/service.py", "volunteer/api.py", "disclosure/service.py", "auth/pages.py",
            "shop/requests/pages.py", "shop/redemption/pages/counter.py", "ledger/pages.py"} <= \
        {_rel(p) for p in APP_MODULES}


def test_the_model_registry_names_every_table():
    """app/models.py is the one registry Alembic reads: every table the app defines is named there."""
    from sqlmodel import SQLModel

    import app.main  # noqa: F401 - everything the running app imports, so every table it defines
    import app.models

    named = {getattr(app.models, name) for name in app.models.__all__}
    assert {model.__tablename__ for model in named} == set(SQLModel.metadata.tables)


# --- issue #16: small shapes written once -------------------------------------------------------------------------

# Where the app's shared objects (settings, secret, engine, templates, throttles) are made and handed out; a route
# asks app/deps.py for them (SettingsDep, SecretDep, EngineDep, LoginLimitsDep, CodeTriesDep, CodeFailuresDep,
# TemplatesDep).
APP_STATE_READERS = {"main.py", "deps.py", "htmx.py", "errors_http.py"}


def hand_written_int_checks(source: str) -> list[int]:
    """`isinstance(x, bool) or not isinstance(x, int) …`: app/ids.py `int_within` says it once."""
    return sorted(node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.BoolOp)
                  and isinstance(node.op, ast.Or) and len(node.values) >= 2
                  and ast.unparse(node.values[0]).startswith("isinstance(") and ast.unparse(node.values[0])
                  .endswith(", bool)") and ast.unparse(node.values[1]).startswith("not isinstance(")
                  and ast.unparse(node.values[1]).endswith(", int)"))


def app_state_reads(source: str) -> list[int]:
    return sorted(node.lineno for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Attribute) and node.attr == "state"
                  and ast.unparse(node).endswith("app.state"))


@pytest.mark.parametrize("path", APP_MODULES, ids=_rel)
def test_small_shapes_are_written_once(path: Path):
    source = path.read_text()
    tree = ast.parse(source)
    assert [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "_ts"] == [], \
        "timestamp columns: app/timeutil.py ts_column()"
    if _rel(path) != "ids.py":
        assert hand_written_int_checks(source) == [], "a whole number in range: app/ids.py int_within()"
    if _rel(path) not in APP_STATE_READERS:
        assert app_state_reads(source) == [], "ask app/deps.py (SecretDep, EngineDep …), not request.app.state"


def test_the_small_shape_guards_catch_what_they_guard():
    sneaky = ("if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 5:\n    pass\n"
              "engine = request.app.state.engine\n"
              "def _bounded(value, *, label, low, high):\n"
              "    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:\n"
              "        raise ValidationFailed(f'{label}应为 {low} 到 {high} 之间的整数')\n"
              "    if isinstance(minutes, bool) or not isinstance(minutes, int) or not (\n"
              "            MIN_REQUEST_MINUTES <= minutes <= MAX_REQUEST_MINUTES):\n"
              "        pass\n"
              "secret, tries = request.app.state.secret, req.app.state.code_tries\n"
              "def _ts(nullable=False):\n    return Column(UTCDateTime(), nullable=nullable)\n")
    assert hand_written_int_checks(sneaky) == [1, 5, 7]
    assert app_state_reads(sneaky) == [3, 10, 10]
    assert hand_written_int_checks("if not int_within(n, 0, 5):\n    pass\n") == []
    assert [n.name for n in ast.walk(ast.parse(sneaky)) if isinstance(n, ast.FunctionDef)] == ["_bounded", "_ts"]


# --- the import graph of app/ (issue #16): no circle, however it is hidden -------------------------------------------

def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULE_FILES = {module_name(p): p for p in (ROOT / "app").rglob("*.py")}


def imports_of(path: Path, modules: dict[str, Path], root: Path = ROOT) -> set[str]:
    """The app modules a file imports, at module level and inside functions alike (`from a import b` counts as
    importing the module a.b when it is one, else a)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return {m for m in found if m in modules and m != name}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


# Circles left to break, each listed with why (none: the one found when this guard was written, issue #16 —
# app.shop.service ↔ app.shop.confirmations, hidden by function-level imports — is gone).
KNOWN_CYCLES: list[list[str]] = []


def test_no_import_cycle_in_app():
    import sys

    sys.setrecursionlimit(10_000)
    graph = {name: imports_of(path, MODULE_FILES) for name, path in MODULE_FILES.items()}
    assert [c for c in import_cycles(graph) if c not in KNOWN_CYCLES] == []


def test_the_cycle_guard_sees_imports_hidden_in_functions(tmp_path):
    (tmp_path / "app" / "shop").mkdir(parents=True)
    service = tmp_path / "app" / "shop" / "service.py"
    service.write_text("from app.shop.confirmations import ask\n")
    confirmations = tmp_path / "app" / "shop" / "confirmations.py"
    confirmations.write_text("def ask():\n    from app.shop import service\n    return service\n")
    modules = {"app.shop.service": service, "app.shop.confirmations": confirmations}
    graph = {name: imports_of(path, modules, tmp_path) for name, path in modules.items()}
    assert graph == {"app.shop.service": {"app.shop.confirmations"}, "app.shop.confirmations": {"app.shop.service"}}
    assert import_cycles(graph) == [["app.shop.confirmations", "app.shop.service"]]


def test_no_api_module_imports_another():
    """Schemas live beside their wing (models.py), not in another API module; only the mounts import API modules."""
    mounts = {"app.main", "app.shop.api"}
    # Found when this guard was written (issue #16), outside the shop: the disclosure pages call note_read, a helper
    # of the disclosure API (not a schema) — the disclosure domain's to move into its service.
    known = {"app.disclosure.pages": ["app.disclosure.api"]}
    offenders = {name: sorted(m for m in imports_of(path, MODULE_FILES) if m.endswith((".api", "_api")))
                 for name, path in MODULE_FILES.items() if name not in mounts}
    assert {name: found for name, found in offenders.items() if found and known.get(name) != found} == {}


# --- the ledger's door (issue #16): others move and read points only through app/ledger/service.py ------------------

# Modules outside the ledger that read Account rows in their own queries (lists of balances, a village's fund on the
# 积分公示, the 积分余额 column of the exported 花名册, the dashboards' sums by village); none of them may write one —
# checked below.
ACCOUNT_READERS = {"app/org/service.py", "app/evaluation/boards.py", "app/org/roster.py", "app/dashboard/figures.py"}
OTHER_DOMAINS = ("app.shop", "app.volunteer", "app.evaluation", "app.disclosure", "app.auth")


def _outside_the_ledger() -> list[Path]:
    return sorted(p for p in (ROOT / "app").rglob("*.py") if "ledger" not in p.relative_to(ROOT / "app").parts[:1])


def _imported_names(path: Path) -> set[str]:
    """module and module.name for every `from module import name`, and every `import module`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_nothing_outside_the_ledger_posts_legs():
    offenders = [str(p.relative_to(ROOT)) for p in _outside_the_ledger()
                 if any(n == "app.ledger.postings" or n.startswith("app.ledger.postings.") for n in _imported_names(p))]
    assert offenders == []


def test_nothing_outside_the_ledger_writes_an_account():
    """Locking, debiting or crediting a household goes through the ledger's doors (lock_household_account …)."""
    def writes_account(path: Path) -> bool:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = ast.unparse(node.func)
                args = [ast.unparse(a) for a in node.args]
                if func == "Account" or (func.split(".")[-1] in ("update", "insert", "delete") and "Account" in args):
                    return True
                if func.endswith("with_for_update") and "Account" in ast.unparse(node):
                    return True
        return False

    importers = {str(p.relative_to(ROOT)) for p in _outside_the_ledger()
                 if "app.ledger.models.Account" in _imported_names(p)} - {"app/models.py"}
    assert importers <= ACCOUNT_READERS, importers - ACCOUNT_READERS
    assert [r for r in sorted(ACCOUNT_READERS) if writes_account(ROOT / r)] == []


def test_the_ledger_reads_no_other_domains_tables():
    """What a shop request or a redemption says on the history, and what holds must come to, are registered by the
    shop (app/ledger/registry.py); the ledger imports nothing of it."""
    offenders = {str(p.relative_to(ROOT)): sorted(n for n in _imported_names(p) if n.startswith(OTHER_DOMAINS))
                 for p in sorted((ROOT / "app" / "ledger").rglob("*.py"))}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_shop_lends_the_ledger_its_words_and_holds():
    import app.domains  # noqa: F401
    from app.ledger.models import TxnKind
    from app.ledger.registry import _DESCRIBERS, hold_keepers

    assert _DESCRIBERS.get(TxnKind.redemption) and _DESCRIBERS.get(TxnKind.hold)
    assert [k.what for k in hold_keepers()] == ["open shop requests"]


# --- expiry behind the readers (issue #16): no route expires anything, no GET needs a write session for it -----------

def test_no_route_expires_shop_requests():
    web = [p for p in (ROOT / "app").rglob("*.py") if is_web_layer(p)]
    callers = [str(p.relative_to(ROOT)) for p in web if "expire_due" in p.read_text()]
    assert callers == []


def test_months_are_reckoned_in_one_place():
    """A village's calendar month comes from app/timeutil.py (this_month, shift_month, month_bounds, month_start):
    no other module works one out by hand (issue #16)."""
    def own_month_math(source: str) -> list[int]:
        tree = ast.parse(source)
        defined = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                   and n.name.strip("_") in {"this_month", "shift_month", "shift", "month_bounds", "month_start"}]
        by_hand = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                   and n.func.attr == "replace" and any(k.arg == "day" for k in n.keywords)]
        return defined + by_hand

    assert own_month_math("def _shift(m, by):\n    pass\nx = now.replace(day=1, hour=0)\n") == [1, 3]
    offenders = {_rel(p): own_month_math(p.read_text()) for p in APP_MODULES if _rel(p) != "timeutil.py"}
    assert {path: lines for path, lines in offenders.items() if lines} == {}
