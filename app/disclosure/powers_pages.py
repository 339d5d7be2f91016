"""小微权力清单 pages: the list in force (第 N 版) or an earlier version, the history of versions; an official
changes one entry at a time (修改, 删除, 新增), and each change publishes a new version."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import select

from app.deps import ActorDep, HtmxDep, SessionDep
from app.disclosure import powers, service
from app.disclosure.models import SmallPowerItem
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.org.access import LIST_KEEPERS
from app.org.models import User
from app.org.service import village_name

router = APIRouter()
DONE = {"edit": "已保存，清单已更新为新版本", "add": "已新增，清单已更新为新版本",
        "delete": "已删除，清单已更新为新版本"}
ItemForm = Annotated[str, Form()]


@router.get("/small-powers")
def small_powers(request: Request, actor: ActorDep, session: SessionDep, version: Id | None = None,
                 done: str = "") -> Response:
    village = service.reader_village(session, actor)
    current = powers.current_version(session, village_id=village) if village else 0
    shown = powers.version_of(session, village_id=village, version=version) if village and version else None
    number = shown.version if shown else current
    row = shown or (powers.version_of(session, village_id=village, version=current) if current else None)
    return render(request, "disclosure/powers.html", {
        "tab": "disclosure", "village": village_name(session, village), "current": current, "version": row,
        "author": _names(session, [row]).get(row.created_by_id) if row else None,
        "items": powers.small_powers(session, village_id=village, version=number) if village else [],
        "can_edit": bool(village) and actor.can(village, LIST_KEEPERS) and number == current,
        "done": DONE.get(done, "")})


@router.get("/small-powers/versions")
def small_power_versions(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    village = service.reader_village(session, actor)
    rows = powers.versions(session, village_id=village) if village else []
    return render(request, "disclosure/power_versions.html", {
        "tab": "disclosure", "village": village_name(session, village), "rows": rows,
        "names": _names(session, rows)})


@router.post("/small-powers/items")
def add_item(actor: ActorDep, session: SessionDep, htmx: HtmxDep, base_version: Annotated[int, Form()],
             kind: ItemForm = "", name: ItemForm = "", who: ItemForm = "", steps: ItemForm = "",
             time_limit: ItemForm = "", basis: ItemForm = "", oversight: ItemForm = "") -> Response:
    item = SmallPowerItem(kind=kind, name=name, who=who, steps=steps, time_limit=time_limit, basis=basis,
                          oversight=oversight)
    return _change(actor, session, htmx, base_version=base_version, position=None, item=item, done="add")


@router.post("/small-powers/items/{position}")
def edit_item(position: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
              base_version: Annotated[int, Form()], kind: ItemForm = "", name: ItemForm = "", who: ItemForm = "",
              steps: ItemForm = "", time_limit: ItemForm = "", basis: ItemForm = "",
              oversight: ItemForm = "") -> Response:
    item = SmallPowerItem(kind=kind, name=name, who=who, steps=steps, time_limit=time_limit, basis=basis,
                          oversight=oversight)
    return _change(actor, session, htmx, base_version=base_version, position=position, item=item, done="edit")


@router.post("/small-powers/items/{position}/delete")
def delete_item(position: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                base_version: Annotated[int, Form()]) -> Response:
    return _change(actor, session, htmx, base_version=base_version, position=position, item=None, done="delete")


def _change(actor, session, htmx, *, base_version: int, position: int | None, item: SmallPowerItem | None,
            done: str) -> Response:
    village = service.reader_village(session, actor)
    actor.require(village, LIST_KEEPERS, "只有本村村干部可以修改小微权力清单")
    powers.edit_one(session, actor=actor, village_id=village, base_version=base_version, position=position,
                    item=item)
    session.commit()
    return redirect_after_post(f"/small-powers?done={done}", htmx=htmx)


def _names(session, rows) -> dict[int, str]:
    ids = {r.created_by_id for r in rows if r is not None and r.created_by_id}
    return dict(session.exec(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
