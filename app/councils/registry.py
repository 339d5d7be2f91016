"""What a council's resolution may name (`subject_type` + `subject_id`): each domain that brings a matter to a council
registers it here (the 村规民约's amendments, brought to the 村民议事会), so that a resolution names only a real,
open matter of the meeting's own village, and the council's pages can offer them — without app/councils importing
the domains that use it (they import this)."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session


@dataclass(frozen=True)
class Subject:
    label: str  # what it is called on the resolution: 村规民约修订
    council_kinds: frozenset[str]  # the councils that may decide it (CouncilKind values)
    open_items: Callable[[Session, int], list[tuple[int, str]]]  # a village's matters a meeting may name: (id, label)
    link: Callable[[int], str]  # its page


SUBJECTS: dict[str, Subject] = {}


def register_subject(name: str, subject: Subject) -> None:
    SUBJECTS[name] = subject
