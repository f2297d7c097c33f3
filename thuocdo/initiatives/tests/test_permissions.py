"""The roles × actions matrix of the initiative policies, and the blind-review rule."""

from collections.abc import Callable
from typing import Any

import pytest

from thuocdo.accounts.models import Role, User
from thuocdo.initiatives import selectors
from thuocdo.initiatives.models import Initiative, Review
from thuocdo.initiatives.permissions import initiative_policy, reference_data_policy, review_policy

from .factories import Scene

pytestmark = pytest.mark.django_db

# Who: (role, unit code), or a special name.
PEOPLE = {
    "admin_root": (Role.ADMIN, "BCDTW"),
    "officer_root": (Role.OFFICER, "BCDTW"),
    "leader_root": (Role.LEADER, "BCDTW"),
    "viewer_root": (Role.VIEWER, "BCDTW"),
    "verifier_root": (Role.VERIFIER, "BCDTW"),
    "admin_hanoi": (Role.ADMIN, "01"),
    "officer_ministry": (Role.OFFICER, "BO-KHCN"),
    "expert": (Role.EXPERT, "HDTV"),
}
OFFICE = {"admin_root", "officer_root", "superuser"}
MATRIX = {
    # action: who may
    "view_internal": OFFICE,
    "screen": OFFICE,
    "assign": OFFICE,
    "decide": {"admin_root", "superuser"},
}
EVERYONE = [*PEOPLE, "superuser", "anonymous", "inactive_admin_root"]


@pytest.fixture
def person(user_with_role: Callable[..., User], user_factory: Any, anonymous: Any) -> Callable[[str], Any]:
    def make(name: str) -> Any:
        if name == "superuser":
            return user_factory(is_superuser=True, is_staff=True)
        if name == "anonymous":
            return anonymous
        if name == "inactive_admin_root":
            user = user_with_role(Role.ADMIN, "BCDTW")
            user.is_active = False
            return user
        role, code = PEOPLE[name]
        return user_with_role(role, code)

    return make


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("action", sorted(MATRIX))
def test_initiative_policy_matrix(scene: Scene, person: Callable[[str], Any], who: str, action: str) -> None:
    initiative = scene.register()
    user = person(who)
    allowed = who in MATRIX[action]
    assert initiative_policy.user_may(user, action, initiative) is allowed
    assert initiative_policy.user_may(user, action) is allowed
    visible = initiative_policy.visible(user, Initiative.objects.all(), action=action)
    assert list(visible) == ([initiative] if allowed else [])


@pytest.mark.parametrize("who", EVERYONE)
def test_reference_data_is_changed_by_root_administrators_only(
    person: Callable[[str], Any], who: str
) -> None:
    user = person(who)
    assert reference_data_policy.user_may(user, "change") is (who in {"admin_root", "superuser"})
    assert reference_data_policy.user_may(user, "view") is (who in OFFICE)


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_assigned_expert_may_review(scene: Scene, person: Callable[[str], Any], who: str) -> None:
    review = scene.assign(scene.in_review())
    user = person(who)
    # Nobody but the expert it is assigned to, not even a superuser.
    assert review_policy.user_may(user, "review", review) is False
    assert review_policy.user_may(review.expert, "review", review) is True
    assert review_policy.user_may(user, "review") is (who in {"expert", "superuser"})


def test_review_visibility(scene: Scene, user_with_role: Callable[..., User]) -> None:
    initiative = scene.in_review()
    mine = scene.assign(initiative, scene.experts[0])
    other = scene.assign(initiative, scene.experts[1])
    assert set(review_policy.visible(scene.experts[0], Review.objects.all())) == {mine}
    assert set(review_policy.visible(scene.office, Review.objects.all())) == {mine, other}
    assert set(review_policy.visible(user_with_role(Role.OFFICER, "BCDTW"), Review.objects.all())) == {
        mine,
        other,
    }
    assert not review_policy.visible(user_with_role(Role.ADMIN, "01"), Review.objects.all()).exists()
    assert not review_policy.visible(user_with_role(Role.EXPERT, "HDTV"), Review.objects.all()).exists()


def test_blind_review_until_the_expert_submits(scene: Scene) -> None:
    initiative = scene.in_review()
    first = scene.assign(initiative, scene.experts[0])
    second = scene.assign(initiative, scene.experts[1])
    scene.score(first)
    # The second expert has not submitted: they see only their own review.
    assert selectors.reviews_visible(actor=second.expert, initiative=initiative) == [second]
    assert not review_policy.may_see_others(second.expert, initiative)
    scene.score(second)
    assert {r.pk for r in selectors.reviews_visible(actor=second.expert, initiative=initiative)} == {
        first.pk,
        second.pk,
    }
    # An expert not assigned to the initiative sees nothing, and cannot open it.
    stranger = scene.experts[2]
    assert selectors.reviews_visible(actor=stranger, initiative=initiative) == []


def test_an_unassigned_expert_cannot_open_an_initiative(scene: Scene) -> None:
    from thuocdo.core.errors import PermissionDenied

    initiative = scene.in_review()
    with pytest.raises(PermissionDenied):
        selectors.initiative_get(actor=scene.experts[0], initiative_id=initiative.pk)
    scene.assign(initiative, scene.experts[0])
    assert selectors.initiative_get(actor=scene.experts[0], initiative_id=initiative.pk) == initiative
