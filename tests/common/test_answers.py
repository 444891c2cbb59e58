"""The answers a worker keeps: kept while nothing changed, forgotten when a committed write says they
changed, never kept while the worker cannot hear it."""

import uuid

import pytest

from app.common.answers import EVERY, NAMED, Answers, payload

ONE, TWO = uuid.uuid4(), uuid.uuid4()


def listening() -> Answers:
    answers = Answers(size=3)
    answers.listen(True)
    return answers


def test_an_answer_is_kept_only_while_listening() -> None:
    answers = Answers(size=3)
    answers.put((ONE, None), answers.token(), b"before")
    assert answers.get((ONE, None)) is None
    answers.listen(True)
    answers.put((ONE, None), answers.token(), b"kept")
    assert answers.get((ONE, None)) == b"kept"
    answers.listen(False)
    assert answers.get((ONE, None)) is None
    answers.listen(True)
    assert answers.get((ONE, None)) is None  # what was kept before the loss is gone for good


def test_an_answer_read_while_a_notice_arrived_is_not_kept() -> None:
    answers = listening()
    token = answers.token()
    answers.notice(str(TWO))  # any id's: the reading may have begun before that write committed
    answers.put((ONE, None), token, b"maybe stale")
    assert answers.get((ONE, None)) is None
    answers.put((ONE, None), answers.token(), b"fresh")
    assert answers.get((ONE, None)) == b"fresh"


def test_an_answer_read_before_listening_began_is_not_kept() -> None:
    answers = Answers(size=3)
    token = answers.token()
    answers.listen(True)
    answers.put((ONE, None), token, b"read unheard")
    assert answers.get((ONE, None)) is None


def test_a_notice_forgets_the_answers_of_the_ids_it_names() -> None:
    answers = listening()
    for key in [(ONE, None), (ONE, (2024, None)), (TWO, None)]:
        answers.put(key, answers.token(), b"answer")
    answers.notice(f"{uuid.uuid4()},{ONE}")
    assert answers.get((ONE, None)) is None and answers.get((ONE, (2024, None))) is None
    assert answers.get((TWO, None)) == b"answer"


@pytest.mark.parametrize("said", [EVERY, "not-an-id"])
def test_a_notice_about_every_id_or_not_understood_forgets_all(said: str) -> None:
    answers = listening()
    answers.put((ONE, None), answers.token(), b"one")
    answers.put((TWO, None), answers.token(), b"two")
    answers.notice(said)
    assert answers.get((ONE, None)) is None and answers.get((TWO, None)) is None


def test_the_least_recently_asked_answer_goes_first() -> None:
    answers = listening()  # keeps three
    for n in range(3):
        answers.put((ONE, n), answers.token(), b"answer")
    answers.get((ONE, 0))
    answers.put((TWO, None), answers.token(), b"answer")
    assert answers.get((ONE, 1)) is None
    assert all(answers.get(key) is not None for key in [(ONE, 0), (ONE, 2), (TWO, None)])


def test_a_notice_names_each_id_once_or_says_every_one() -> None:
    assert payload([TWO, ONE, TWO]) == ",".join(sorted([str(ONE), str(TWO)]))
    assert payload([]) == ""  # nothing to say
    assert payload(None) == EVERY
    assert payload(uuid.uuid4() for _ in range(NAMED)).count(",") == NAMED - 1
    assert payload(uuid.uuid4() for _ in range(NAMED + 1)) == EVERY  # longer would not fit in a notice
