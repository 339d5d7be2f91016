"""村务公开 pages: the 公开 tab (list by category, unread marks), a disclosure with its changes, attachments and
questions; for officials publishing, revising, read rates and door-to-door follow-up, answers; 四议两公开
timelines; the 小微权力清单."""

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import select

from app.deps import ActorDep, EngineDep, HtmxDep, SessionDep, TemplatesDep
from app.disclosure import decisions as dec
from app.disclosure import files as attachments
from app.disclosure import powers, service
from app.disclosure.api import note_read
from app.disclosure.markup import line_diff, render_body
from app.disclosure.models import (
    CATEGORY_LABELS,
    STEP_LABELS,
    STEPS,
    VOTE_STEPS,
    DisclosureFile,
    SmallPowerItem,
    Step,
)
from app.disclosure.registry import decision_link, revision_refused
from app.errors import NotFound, ValidationFailed
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.org.access import LIST_KEEPERS, OFFICIALS, VILLAGE_STAFF, acting_household, get_visible
from app.org.models import User
from app.org.service import village_name
from app.org.switch import VillageSwitch, switch_village

router = APIRouter()
DONE = {
    "publish": "已发布，全村农户都能看到",
    "revise": "已修订，旧版本仍可查看",
    "ask": "问题已提交，村干部答复后会显示在这里",
    "answer": "已答复，全村都能看到",
    "informed": "已标记为已告知（见下方）",
    "attach": "附件已上传",
    "decision": "事项已建立，请按顺序记录每一步",
    "step": "已记录这一步",
}


def _ctx(actor, **extra) -> dict:
    return {"tab": "disclosure", "labels": CATEGORY_LABELS, "is_official": actor.has_role(OFFICIALS), **extra}


def _switch(session, actor, village_id: int | None) -> VillageSwitch:
    """The village whose 公开 a page shows: `?village_id=` for someone over several, else the reader's own."""
    return switch_village(session, actor, village_id, household=acting_household(session, actor), none_ok=True)


# --- the 公开 tab ----------------------------------------------------------------------------------------------

@router.get("/disclosures")
def disclosure_list(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep, category: str = "",
                    cursor: str | None = None, done: str = "", village_id: Id | None = None) -> Response:
    category = category if category in CATEGORY_LABELS else ""
    switch = _switch(session, actor, village_id)
    page = service.list_disclosures(session, actor=actor, category=category or None, village_id=switch.village_id,
                                    limit=20, cursor=cursor)
    rows = [d for (d,) in page.items]
    items = service.summaries(session, actor=actor, disclosures=rows)
    return render(request, "disclosure/list.html", _ctx(
        actor, items=items, rates=service.read_counts(session, actor=actor, disclosures=rows), category=category,
        next_cursor=page.next_cursor, village=switch.name, switch=switch,
        has_household=bool(actor.user.household_id), done=DONE.get(done, ""),
        unanswered=service.unanswered_count(session, actor=actor)), htmx=htmx, partial="disclosure/_rows.html")


@router.get("/disclosures/badge")
def badge(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """The unread count on the 公开 tab (fetched by the tab bar)."""
    return render(request, "_tab_badge.html", {"count": service.unread_count(session, actor=actor), "label": "条未读"})


@router.get("/disclosures/home-card")
def home_card(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """首页's card (fetched by 首页): the newest unread disclosure; for officials the unanswered questions."""
    return render(request, "disclosure/_home.html", {
        "newest": service.newest_unread(session, actor=actor), "unread": service.unread_count(session, actor=actor),
        "unanswered": service.unanswered_count(session, actor=actor), "labels": CATEGORY_LABELS})


@router.get("/disclosures/new")
def new_form(request: Request, actor: ActorDep, session: SessionDep, category: str = "finance") -> Response:
    service.official_village(actor)
    return render(request, "disclosure/edit.html", _ctx(actor, disclosure=None, category=category, title="",
                                                         body="", reason="", error=""))


@router.post("/disclosures")
def publish(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
            category: Annotated[str, Form()] = "", title: Annotated[str, Form()] = "",
            body: Annotated[str, Form()] = "", form_key: Annotated[str, Form()] = "",
            file: Annotated[UploadFile | None, File()] = None) -> Response:
    try:
        village_id = service.official_village(actor)
        checked = _checked(file)  # decoded before the database is touched: no lock held meanwhile
        disclosure = service.publish(session, actor=actor, village_id=village_id, category=category, title=title,
                                     body=body, idempotency_key=form_key or None)
        if checked is not None and not service.files_of(session, disclosure_id=disclosure.id):
            attachments.attach(session, actor_id=actor.id, village_id=village_id, checked=checked,
                               disclosure_id=disclosure.id, version=disclosure.version, label=disclosure.title)
    except ValidationFailed as exc:
        session.rollback()
        return render(request, "disclosure/edit.html", _ctx(actor, disclosure=None, category=category, title=title,
                                                             body=body, reason="", error=exc.message),
                      status_code=422)
    session.commit()
    return redirect_after_post(f"/disclosures/{disclosure.id}?done=publish", htmx=htmx)


def _checked(file: UploadFile | None) -> attachments.CheckedFile | None:
    if file is None or not file.filename:
        return None
    return attachments.check_upload(file.file.read(attachments.MAX_FILE_BYTES + 1), file.filename)


@router.get("/disclosures/{disclosure_id}")
def detail(disclosure_id: Id, request: Request, actor: ActorDep, session: SessionDep, engine: EngineDep,
           done: str = "") -> Response:
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    note_read(engine, session, actor, disclosure)
    current = service.current_version(session, disclosure)
    rows = service.questions(session, disclosure=disclosure)
    staff = actor.can(disclosure.village_id, VILLAGE_STAFF)
    household = actor.user.household_id
    return render(request, "disclosure/detail.html", _ctx(
        actor, d=disclosure, v=current, html=render_body(current.body),
        author=service.names(session, {current.author_id}).get(current.author_id, ""),
        files=[service.file_public(f) for f in service.files_of(session, disclosure_id=disclosure.id,
                                                                version=current.version)],
        questions=service.questions_public(session, actor=actor, rows=rows),
        can_ask=bool(household) and not staff, manages=actor.can(disclosure.village_id, OFFICIALS),
        rate=service.read_rate(session, actor=actor, disclosure=disclosure) if staff else None,
        locked=revision_refused(session, disclosure), done=DONE.get(done, "")))


@router.get("/disclosures/{disclosure_id}/text")
def public_text(disclosure_id: Id, request: Request, actor: ActorDep, session: SessionDep, templates: TemplatesDep
                ) -> Response:
    """The disclosure's public text alone (title, category, date, body): what the service worker keeps for reading
    offline. Nothing personal: no names of readers or askers, no read mark, no form, no token, no tab bar."""
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    current = service.current_version(session, disclosure)
    response = templates.TemplateResponse(request, "disclosure/text.html", {
        "request": request, "actor": None, "csrf_token": "", "d": disclosure, "v": current,
        "html": render_body(current.body), "labels": CATEGORY_LABELS,
        "village": village_name(session, disclosure.village_id)})
    response.headers["X-Public-Text"] = "1"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@router.get("/disclosures/{disclosure_id}/versions")
def history(disclosure_id: Id, request: Request, actor: ActorDep, session: SessionDep) -> Response:
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    versions = service.versions_public(session, disclosure)  # newest first
    changes = []
    for newer, older in zip(versions, versions[1:], strict=False):
        changes.append({"v": newer, "title_changed": newer.title != older.title, "old_title": older.title,
                        "diff": line_diff(older.body, newer.body)})
    return render(request, "disclosure/versions.html", _ctx(actor, d=disclosure, changes=changes,
                                                             first=versions[-1], html=render_body))


@router.get("/disclosures/{disclosure_id}/versions/{version}")
def old_version(disclosure_id: Id, version: Id, request: Request, actor: ActorDep, session: SessionDep) -> Response:
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    v = service.version_of(session, disclosure, version)
    return render(request, "disclosure/version.html", _ctx(
        actor, d=disclosure, v=v, html=render_body(v.body),
        author=service.names(session, {v.author_id}).get(v.author_id, ""),
        files=[service.file_public(f) for f in service.files_of(session, disclosure_id=disclosure.id,
                                                                version=v.version)]))


@router.get("/disclosures/{disclosure_id}/revise")
def revise_form(disclosure_id: Id, request: Request, actor: ActorDep, session: SessionDep) -> Response:
    disclosure = service.managed_disclosure(session, actor, disclosure_id)
    current = service.current_version(session, disclosure)
    return render(request, "disclosure/edit.html", _ctx(actor, disclosure=disclosure, category=disclosure.category,
                                                         title=current.title, body=current.body, reason="", error=""))


@router.post("/disclosures/{disclosure_id}/revise")
def revise(disclosure_id: Id, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           title: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "",
           reason: Annotated[str, Form()] = "", form_key: Annotated[str, Form()] = "") -> Response:
    disclosure = service.managed_disclosure(session, actor, disclosure_id)
    try:
        service.revise(session, actor=actor, disclosure=disclosure, title=title, body=body, reason=reason,
                       idempotency_key=form_key or None)
    except ValidationFailed as exc:
        session.rollback()
        return render(request, "disclosure/edit.html", _ctx(actor, disclosure=disclosure, category=disclosure.category,
                                                             title=title, body=body, reason=reason,
                                                             error=exc.message), status_code=422)
    session.commit()
    return redirect_after_post(f"/disclosures/{disclosure_id}?done=revise", htmx=htmx)


@router.post("/disclosures/{disclosure_id}/attachments")
def attach(disclosure_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           file: Annotated[UploadFile | None, File()] = None, form_key: Annotated[str, Form()] = "") -> Response:
    disclosure = service.managed_disclosure(session, actor, disclosure_id)
    session.commit()  # end the short look-up: the file is checked holding no lock
    checked = _checked(file)
    if checked is None:
        raise ValidationFailed("请选择要上传的文件")
    attachments.attach_to_published(session, actor=actor, disclosure=disclosure, checked=checked,
                                    idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/disclosures/{disclosure_id}?done=attach", htmx=htmx)


# --- reading follow-up (officials) ------------------------------------------------------------------------------

@router.get("/disclosures/{disclosure_id}/reads")
def reads(disclosure_id: Id, request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    rate = service.read_rate(session, actor=actor, disclosure=disclosure)
    told = service.informed_households(session, actor=actor, disclosure=disclosure)
    return render(request, "disclosure/reads.html", _ctx(actor, d=disclosure, rate=rate, told=told,
                                                          done=DONE.get(done, ""),
                                                          manages=actor.can(disclosure.village_id, OFFICIALS)))


@router.post("/disclosures/{disclosure_id}/reads")
def informed(disclosure_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
             household_id: Annotated[Id, Form()]) -> Response:
    disclosure = service.managed_disclosure(session, actor, disclosure_id)
    service.mark_informed(session, actor=actor, disclosure=disclosure, household_id=household_id)
    session.commit()
    return redirect_after_post(f"/disclosures/{disclosure_id}/reads?done=informed#told-{household_id}", htmx=htmx)


# --- questions ---------------------------------------------------------------------------------------------------

@router.post("/disclosures/{disclosure_id}/questions")
def ask(disclosure_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep, body: Annotated[str, Form()] = "",
        show_name: Annotated[str, Form()] = "", form_key: Annotated[str, Form()] = "") -> Response:
    disclosure = service.visible_disclosure(session, actor, disclosure_id)
    service.ask(session, actor=actor, disclosure=disclosure, body=body, show_name=show_name == "1",
                idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/disclosures/{disclosure_id}?done=ask#questions", htmx=htmx)


@router.post("/disclosure-questions/{question_id}/answer")
def answer(question_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           answer: Annotated[str, Form()] = "") -> Response:
    question = service.visible_question(session, actor, question_id)
    service.answer(session, actor=actor, question=question, text=answer)
    session.commit()
    return redirect_after_post(f"/disclosures/{question.disclosure_id}?done=answer#questions", htmx=htmx)


@router.get("/disclosure-questions")
def unanswered(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_any(OFFICIALS, "只有村干部可以查看")
    rows = service.unanswered(session, actor=actor)
    titles = {d.id: d.title for d in (service.visible_disclosure(session, actor, i)
                                      for i in {q.disclosure_id for q in rows})}
    return render(request, "disclosure/questions.html", _ctx(
        actor, questions=service.questions_public(session, actor=actor, rows=rows), titles=titles))


# --- files -------------------------------------------------------------------------------------------------------

def _file(session, actor, file_id: int) -> DisclosureFile:
    return get_visible(session, actor, DisclosureFile, file_id, missing="找不到该附件")


@router.get("/disclosure-files/{file_id}")
def download(file_id: Id, actor: ActorDep, session: SessionDep) -> Response:
    f = _file(session, actor, file_id)
    disposition = "inline" if f.kind == "photo" else "attachment"
    return Response(f.data, media_type=f.content_type, headers={
        "Content-Disposition": f"{disposition}; filename=\"file\"; filename*=UTF-8''{quote(f.file_name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@router.get("/disclosure-files/{file_id}/thumb")
def thumbnail(file_id: Id, actor: ActorDep, session: SessionDep) -> Response:
    f = _file(session, actor, file_id)
    if f.thumbnail is None:
        raise NotFound("该附件没有缩略图")
    return Response(f.thumbnail, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


# --- 四议两公开 -----------------------------------------------------------------------------------------------------

@router.get("/decisions")
def decisions(request: Request, actor: ActorDep, session: SessionDep, done: str = "",
              village_id: Id | None = None) -> Response:
    switch = _switch(session, actor, village_id)
    page = dec.list_decisions(session, actor=actor, village_id=switch.village_id, limit=50, cursor=None)
    items = [dec.decision_public(session, d) for (d,) in page.items]
    return render(request, "disclosure/decisions.html", _ctx(
        actor, items=items, step_labels=STEP_LABELS, steps=STEPS, done=DONE.get(done, ""), switch=switch,
        can_create=actor.first_village(OFFICIALS) is not None))


@router.post("/decisions")
def create_decision(actor: ActorDep, session: SessionDep, htmx: HtmxDep, title: Annotated[str, Form()] = "",
                    summary: Annotated[str, Form()] = "", form_key: Annotated[str, Form()] = "") -> Response:
    village_id = service.official_village(actor)
    decision = dec.create_decision(session, actor=actor, village_id=village_id, title=title, summary=summary,
                                   idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/decisions/{decision.id}?done=decision", htmx=htmx)


@router.get("/decisions/{decision_id}")
def decision(decision_id: Id, request: Request, actor: ActorDep, session: SessionDep, done: str = "") -> Response:
    row = dec.visible_decision(session, actor, decision_id)
    dd = dec.decision_public(session, row)
    wanted = Step(dd.status) if dd.status in STEP_LABELS else None
    return render(request, "disclosure/decision.html", _ctx(
        actor, dd=dd, steps=STEPS, step_labels=STEP_LABELS, wanted=wanted,
        is_vote=wanted in VOTE_STEPS, meeting=dec.MEETINGS.get(wanted), manages=actor.can(row.village_id, OFFICIALS),
        today=date.today().isoformat(), rides=decision_link(session, row.id),
        done=DONE.get(done, "")))


@router.post("/decisions/{decision_id}/steps")
def record_step(decision_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                step: Annotated[str, Form()] = "", held_on: Annotated[str, Form()] = "",
                attendance: Annotated[str, Form()] = "", expected: Annotated[str, Form()] = "",
                votes_for: Annotated[str, Form()] = "", votes_against: Annotated[str, Form()] = "",
                votes_abstain: Annotated[str, Form()] = "", minutes: Annotated[str, Form()] = "",
                form_key: Annotated[str, Form()] = "", file: Annotated[UploadFile | None, File()] = None) -> Response:
    row = dec.visible_decision(session, actor, decision_id)
    actor.require(row.village_id, OFFICIALS, "只有本村村干部可以记录")
    try:
        held = date.fromisoformat(held_on.strip())
    except ValueError:
        raise ValidationFailed("请填写会议日期") from None
    session.commit()
    checked = _checked(file)
    made = dec.record_step(session, actor=actor, decision=row, step=step, held_on=held,
                           attendance=_optional(attendance), expected=_optional(expected),
                           votes_for=_optional(votes_for), votes_against=_optional(votes_against),
                           votes_abstain=_optional(votes_abstain), minutes=minutes, idempotency_key=form_key or None)
    if checked is not None and not service.files_of(session, step_ids=[made.id]):
        attachments.attach(session, actor_id=actor.id, village_id=row.village_id, checked=checked,
                           decision_step_id=made.id, label=row.title)
    session.commit()
    return redirect_after_post(f"/decisions/{decision_id}?done=step", htmx=htmx)


def _optional(value: str) -> int | None:
    return form_int(value) if value.strip() else None


# --- 小微权力清单: 第 N 版 or an earlier one, 历史版本; an official changes one entry at a time (a new version) --
POWERS_DONE = {"edit": "已保存，清单已更新为新版本", "add": "已新增，清单已更新为新版本",
        "delete": "已删除，清单已更新为新版本"}
ItemForm = Annotated[str, Form()]


@router.get("/small-powers")
def small_powers(request: Request, actor: ActorDep, session: SessionDep, version: Id | None = None,
                 done: str = "", village_id: Id | None = None) -> Response:
    switch = _switch(session, actor, village_id)
    village = switch.village_id
    current = powers.current_version(session, village_id=village) if village else 0
    shown = powers.version_of(session, village_id=village, version=version) if village and version else None
    number = shown.version if shown else current
    row = shown or (powers.version_of(session, village_id=village, version=current) if current else None)
    return render(request, "disclosure/powers.html", {
        "tab": "disclosure", "village": switch.name, "switch": switch, "current": current, "version": row,
        "author": _names(session, [row]).get(row.created_by_id) if row else None,
        "items": powers.small_powers(session, village_id=village, version=number) if village else [],
        "can_edit": bool(village) and actor.can(village, LIST_KEEPERS) and number == current,
        "done": POWERS_DONE.get(done, "")})


@router.get("/small-powers/versions")
def small_power_versions(request: Request, actor: ActorDep, session: SessionDep,
                         village_id: Id | None = None) -> Response:
    switch = _switch(session, actor, village_id)
    rows = powers.versions(session, village_id=switch.village_id) if switch.village_id else []
    return render(request, "disclosure/power_versions.html", {
        "tab": "disclosure", "village": switch.name, "switch": switch, "rows": rows,
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
