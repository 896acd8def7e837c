"""The line of management above someone, as conflict-of-interest checks walk it.

Loops can't be made through the import or the admin, but a directory can
still hold one (put in directly, or from before those checks): every walk
up the chain must end all the same.
"""

from __future__ import annotations

import pytest

from casework.services import conflicts_of_interest
from directory.models import User
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def loop(*people: User) -> None:
    """Each person managed by the next, the last by the first, written straight to the database."""
    for person, manager in zip(people, people[1:] + people[:1], strict=True):
        User.objects.filter(pk=person.pk).update(line_manager=manager)


def fresh(person: User) -> User:
    return User.objects.get(pk=person.pk)


def test_the_chain_goes_all_the_way_up() -> None:
    top = UserFactory()
    middle = UserFactory(line_manager=top)
    bottom = UserFactory(line_manager=middle)

    assert bottom.management_chain() == [middle, top]
    assert top.management_chain() == []


def test_a_stored_two_person_loop_ends_the_chain() -> None:
    ann, bea = UserFactory(), UserFactory()
    loop(ann, bea)

    assert fresh(ann).management_chain() == [bea]


def test_a_stored_loop_above_someone_ends_the_chain() -> None:
    ann, bea, cal = UserFactory(), UserFactory(), UserFactory()
    loop(bea, cal)
    User.objects.filter(pk=ann.pk).update(line_manager=bea)

    assert fresh(ann).management_chain() == [bea, cal]


def test_a_stored_self_manager_ends_the_chain() -> None:
    ann = UserFactory()
    loop(ann)

    assert fresh(ann).management_chain() == []


def test_a_deep_line_of_management_is_followed_to_the_top() -> None:
    # No level is left out: an investigator high above the poster is still in their line.
    people = [UserFactory()]
    for _ in range(30):
        people.append(UserFactory(line_manager=people[-1]))

    assert fresh(people[-1]).management_chain() == people[-2::-1]


def test_the_conflict_check_ends_on_a_stored_loop_and_names_the_manager() -> None:
    poster, manager, outsider = UserFactory(), UserFactory(), UserFactory()
    loop(poster, manager)
    case = CaseFactory(poster=fresh(poster))

    assert conflicts_of_interest(case=case, person=manager) == [
        f"{manager} is in the line of management of {poster}."
    ]
    assert conflicts_of_interest(case=case, person=outsider) == []


def test_the_conflict_check_sees_a_manager_far_up_the_line() -> None:
    people = [UserFactory()]
    for _ in range(25):
        people.append(UserFactory(line_manager=people[-1]))
    case = CaseFactory(poster=fresh(people[-1]))

    assert conflicts_of_interest(case=case, person=people[0]) == [
        f"{people[0]} is in the line of management of {people[-1]}."
    ]
