"""Who sees a 婚丧事 filing and who is the 红白理事会 that acknowledges it and records its outcome."""

from sqlmodel import Session

from app.ceremonies.models import Ceremony
from app.councils.models import CouncilKind
from app.councils.service import seated_villages
from app.org.access import COMMITTEE, EVERYONE, OFFICIALS, Actor, get_visible

NO_FILING = "找不到该报备"
NOBODY: frozenset[str] = frozenset()  # no role reads a filing by its role alone: the household or the council
STANDARDS_WRITERS = OFFICIALS  # who sets the village's 红白事 standards
STANDARDS_READERS = EVERYONE  # the standards are published to the village
ON_BEHALF = OFFICIALS  # who may file for a household of their village (代为报备)


def council_villages(session: Session, actor: Actor) -> set[int]:
    """The villages whose 红白理事会 the actor sits on: the one answer to "who acknowledges a filing and records its
    outcome" (and who, besides the family, reads its details).

    The members of the village's 红白理事会 seated today (app/councils), and the village's officials and its 评比委员会
    (committee): a village whose council has no members yet still has someone to answer its families."""
    return actor.villages(OFFICIALS | COMMITTEE) | seated_villages(session, kind=CouncilKind.ceremonies,
                                                                   user_id=actor.id)


def is_council(session: Session, actor: Actor, village_id: int | None) -> bool:
    return village_id is not None and village_id in council_villages(session, actor)


def visible_filing(session: Session, actor: Actor, filing_id: int) -> Ceremony:
    """A filing for its household's members and the village's council; anyone else: not found (PIPL: a family's
    wedding or funeral is theirs and the council's)."""
    return get_visible(session, actor, Ceremony, filing_id, roles=NOBODY, missing=NO_FILING,
                       also=lambda c: actor.user.household_id == c.household_id
                       or is_council(session, actor, c.village_id))
