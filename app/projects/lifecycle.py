"""The project status transition table: a pure function of the current and the wanted status."""

from app.errors import InvalidTransition
from app.projects.models import ProjectStatus

TRANSITIONS: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    ProjectStatus.PROPOSED: frozenset({ProjectStatus.ACTIVE, ProjectStatus.CANCELLED}),
    ProjectStatus.ACTIVE: frozenset({ProjectStatus.COMPLETED, ProjectStatus.CANCELLED}),
    ProjectStatus.COMPLETED: frozenset(),
    ProjectStatus.CANCELLED: frozenset(),
}


def allowed_moves(current: ProjectStatus) -> list[ProjectStatus]:
    """The statuses a project may move to next, in a stable order."""
    return sorted(TRANSITIONS[current], key=list(ProjectStatus).index)


def is_terminal(status: ProjectStatus) -> bool:
    return not TRANSITIONS[status]


def check_transition(current: ProjectStatus, wanted: ProjectStatus) -> None:
    """Raise InvalidTransition (409) naming the allowed moves unless `current → wanted` is in the table."""
    if wanted in TRANSITIONS[current]:
        return
    allowed = allowed_moves(current)
    names = ", ".join(s.value for s in allowed) or "none: the project is closed"
    raise InvalidTransition(
        f"A {current.value} project cannot become {wanted.value}; allowed: {names}.",
        allowed=[s.value for s in allowed],
    )
