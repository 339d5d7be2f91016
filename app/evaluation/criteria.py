"""Each village's catalogue of 评比 criteria: officials add, edit, retire; a criterion a final round used is kept
as it was (it can be retired, never changed or deleted)."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit.service import record_action
from app.errors import InvalidState, ValidationFailed
from app.evaluation.models import (
    CRITERION_TARGET,
    EVALUATION_CATEGORIES,
    MAX_CRITERION_POINTS,
    Criterion,
    CriterionPublic,
    EvaluationAction,
    EvaluationRound,
    ListKind,
    ResultLine,
    RoundStatus,
    Score,
)
from app.idempotency import create_once
from app.ids import int_within
from app.org.access import EVERYONE, OFFICIALS, Actor, get_visible
from app.org.models import OrgUnit
from app.org.starters import register_village_starter
from app.text import clean_text


def criterion_public(c: Criterion) -> CriterionPublic:
    return CriterionPublic(id=c.id, village_id=c.village_id, category=c.category, name=c.name, points=c.points,
                           list=c.list_kind, active=c.active)


def _clean(*, category: str | None, name: str | None, points: int | None, list_kind: str | None
           ) -> tuple[str, str, int, str | None]:
    if category not in EVALUATION_CATEGORIES:
        raise ValidationFailed("请选择评比类别", field="category")
    name = clean_text(name, label="评比项目", max_length=60, field="name")
    if not int_within(points, 0, MAX_CRITERION_POINTS):
        raise ValidationFailed(f"分值应为 0 到 {MAX_CRITERION_POINTS} 之间的整数", field="points")
    list_kind = list_kind or None
    if list_kind is not None and list_kind not in ListKind.__members__:
        raise ValidationFailed("上榜只能是红榜、黑榜或不上榜", field="list")
    return category, name, points, list_kind


def village_criteria(session: Session, *, village_id: int, include_retired: bool = False) -> list[Criterion]:
    stmt = select(Criterion).where(Criterion.village_id == village_id)
    if not include_retired:
        stmt = stmt.where(Criterion.active)
    return list(session.exec(stmt.order_by(Criterion.category, Criterion.id)))


def visible_criterion(session: Session, actor: Actor, criterion_id: int, *, roles=EVERYONE) -> Criterion:
    return get_visible(session, actor, Criterion, criterion_id, roles=roles, missing="找不到该评比项目")


def create_criterion(session: Session, *, actor: Actor, village_id: int, category: str, name: str, points: int,
                     list_kind: str | None, idempotency_key: str | None) -> Criterion:
    """An official adds a criterion to their village's catalogue."""
    actor.require(village_id, OFFICIALS)
    category, name, points, list_kind = _clean(category=category, name=name, points=points, list_kind=list_kind)

    def action() -> Criterion:
        criterion = Criterion(village_id=village_id, category=category, name=name, points=points,
                              list_kind=list_kind)
        session.add(criterion)
        session.flush()
        record_action(session, actor_id=actor.id, action=EvaluationAction.criterion_create, village_id=village_id,
                      target_type=CRITERION_TARGET, target_id=criterion.id, target_label=name,
                      detail={"category": category, "points": points, "list": list_kind})
        return criterion

    return create_once(session, scope=f"user:{actor.id}:criterion", key=idempotency_key,
                       payload={"village_id": village_id, "category": category, "name": name, "points": points,
                                "list": list_kind}, model=Criterion, action=action)


def used_in_final_round(session: Session, *, criterion_id: int) -> bool:
    stmt = (select(func.count()).select_from(ResultLine)
            .join(EvaluationRound, col(EvaluationRound.id) == ResultLine.round_id)
            .where(ResultLine.criterion_id == criterion_id, EvaluationRound.status == RoundStatus.final))
    return session.exec(stmt).one() > 0


def _used_at_all(session: Session, *, criterion_id: int) -> bool:
    scored = session.exec(select(func.count()).select_from(Score).where(Score.criterion_id == criterion_id)).one()
    return scored > 0


def update_criterion(session: Session, *, actor: Actor, criterion: Criterion, changes: dict) -> Criterion:
    """Change a criterion that no final round used (a used one is kept as the households saw it)."""
    actor.require(criterion.village_id, OFFICIALS)
    if used_in_final_round(session, criterion_id=criterion.id):
        raise InvalidState("这个项目已用于定榜的评比，不能修改；可以停用后另加新项目")
    category, name, points, list_kind = _clean(
        category=changes.get("category", criterion.category), name=changes.get("name", criterion.name),
        points=changes.get("points", criterion.points),
        list_kind=changes.get("list", criterion.list_kind))
    before = {"category": criterion.category, "name": criterion.name, "points": criterion.points,
              "list": criterion.list_kind}
    criterion.category, criterion.name, criterion.points, criterion.list_kind = category, name, points, list_kind
    session.add(criterion)
    record_action(session, actor_id=actor.id, action=EvaluationAction.criterion_update,
                  village_id=criterion.village_id, target_type=CRITERION_TARGET, target_id=criterion.id,
                  target_label=name, detail={"before": before, "after": {"category": category, "name": name,
                                                                         "points": points, "list": list_kind}})
    session.flush()
    return criterion


def retire_criterion(session: Session, *, actor: Actor, criterion: Criterion) -> Criterion:
    """Stop using a criterion in new scores (rounds that used it keep it)."""
    actor.require(criterion.village_id, OFFICIALS)
    if criterion.active:
        criterion.active = False
        session.add(criterion)
        record_action(session, actor_id=actor.id, action=EvaluationAction.criterion_retire,
                      village_id=criterion.village_id, target_type=CRITERION_TARGET, target_id=criterion.id,
                      target_label=criterion.name)
        session.flush()
    return criterion


def delete_criterion(session: Session, *, actor: Actor, criterion: Criterion) -> None:
    """Delete a criterion nobody has scored with yet; a used one can only be retired."""
    actor.require(criterion.village_id, OFFICIALS)
    if _used_at_all(session, criterion_id=criterion.id):
        raise InvalidState("这个项目已有评分，不能删除；可以停用")
    record_action(session, actor_id=actor.id, action=EvaluationAction.criterion_delete,
                  village_id=criterion.village_id, target_type=CRITERION_TARGET, target_id=criterion.id,
                  target_label=criterion.name)
    session.delete(criterion)
    session.flush()


# A sensible starting catalogue: the plan's six categories (the demo village's, and what `seed_criteria` gives any
# new village through its starter, below). Officials edit it; a 7th category 其他 is theirs to add.
DEFAULT_CRITERIA = [
    ("hard_work", "勤劳致富、带动乡邻", 10, "red"),
    ("hard_work", "好吃懒做、等靠要", 0, "black"),
    ("filial", "赡养老人尽心", 10, "red"),
    ("filial", "家庭和睦、邻里互助", 5, None),
    ("filial", "不赡养老人", 0, "black"),
    ("customs", "红白喜事简办", 10, "red"),
    ("customs", "高额彩礼、大操大办", 0, "black"),
    ("hygiene", "庭院整洁、垃圾分类", 5, "red"),
    ("hygiene", "门前三包落实", 3, None),
    ("hygiene", "卫生不整洁", 0, "black"),
    ("law", "遵纪守法、调解矛盾", 5, None),
    ("law", "参与赌博、封建迷信", 0, "black"),
    ("public_good", "参加志愿服务", 5, "red"),
    ("public_good", "捐资助学、扶贫济困", 10, "red"),
]


def seed_criteria(session: Session, *, village_id: int) -> list[Criterion]:
    """Give a village the default catalogue (once: a village that has criteria keeps its own)."""
    if session.exec(select(Criterion.id).where(Criterion.village_id == village_id)).first() is not None:
        return village_criteria(session, village_id=village_id)
    made = [Criterion(village_id=village_id, category=c, name=n, points=p, list_kind=k)
            for c, n, p, k in DEFAULT_CRITERIA]
    session.add_all(made)
    session.flush()
    return made


@register_village_starter
def _start(session: Session, *, village: OrgUnit, actor_id: int | None) -> None:
    seed_criteria(session, village_id=village.id)
