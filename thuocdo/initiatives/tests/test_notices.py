"""Who hears about each step of an initiative: the submitter by e-mail at the contact
address, the Standing Office, experts, root administrators and the responsible unit in-app
and by e-mail. Contact addresses never reach the audit log."""

from typing import Any

import pytest
from django.db.models import Q
from django.urls import reverse

from thuocdo.accounts.models import Role, User
from thuocdo.audit.models import AuditEvent
from thuocdo.core.errors import ValidationFailed
from thuocdo.delivery.models import Assignment
from thuocdo.initiatives import services
from thuocdo.initiatives.models import Initiative, Outcome
from thuocdo.notifications.models import EmailDelivery, Notification
from thuocdo.units.models import Unit

from .factories import Scene, contact, content

pytestmark = pytest.mark.django_db

SUBMITTER = contact().email
SITE = "https://thuocdo.example.vn"


@pytest.fixture(autouse=True)
def site_url(settings: Any) -> None:
    settings.THUOCDO_SITE_URL = SITE + "/"


@pytest.fixture
def officer(user_with_role: Any) -> User:
    return user_with_role(Role.OFFICER, "BCDTW", username="canbo-vanphong")


@pytest.fixture
def outsider(user_with_role: Any) -> User:
    """An officer somewhere else: hears about nothing here."""
    return user_with_role(Role.OFFICER, "01", username="canbo-hanoi")


def inbox(event: str) -> set[str]:
    return {n.user.username for n in Notification.objects.filter(event=event).select_related("user")}


def mails(event: str) -> list[str]:
    return sorted(EmailDelivery.objects.filter(event=event).values_list("to_address", flat=True))


def mail_to(event: str, address: str = SUBMITTER) -> EmailDelivery:
    return EmailDelivery.objects.get(event=event, to_address=address)


def decide(actor: User, initiative: Initiative, outcome: str = Outcome.SELECTED, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "reasons": "Tính đột phá cao, khả thi.",
        "minutes_summary": "Hội đồng họp đủ 7/7 thành viên.",
        "responsible_unit": Unit.objects.get(code="BO-KHCN") if outcome == Outcome.SELECTED else None,
        **changes,
    }
    return services.initiative_decide(actor=actor, initiative=initiative, outcome=outcome, **arguments)


def test_registration_gives_the_submitter_a_receipt_and_the_office_a_queue_item(
    scene: Scene, officer: User, outsider: User
) -> None:
    initiative = scene.register()
    receipt = mail_to("initiatives.received")
    assert mails("initiatives.received") == [SUBMITTER]
    assert initiative.tracking_code in receipt.body
    assert f"{SITE}/initiatives/track/{initiative.tracking_code}/" in receipt.body
    assert receipt.user is None
    # The Standing Office (administrators and officers at the root): in-app and e-mail.
    assert inbox("initiatives.queued") == {scene.office.username, officer.username}
    assert mails("initiatives.queued") == sorted([scene.office.email, officer.email])
    queued = Notification.objects.filter(event="initiatives.queued").first()
    assert queued is not None
    assert queued.link == f"/initiatives/office/{initiative.pk}/"
    assert SUBMITTER not in queued.body
    assert not Notification.objects.filter(user__in=[*scene.experts, outsider]).exists()


def test_a_refused_registration_notifies_nobody(scene: Scene) -> None:
    with pytest.raises(ValidationFailed):
        services.initiative_register(actor=None, content=content(title=""), contact=contact(), consent=True)
    assert not EmailDelivery.objects.exists()
    assert not Notification.objects.exists()


def test_demo_initiatives_email_no_made_up_submitter(scene: Scene) -> None:
    services.initiative_register(actor=None, content=content(), contact=contact(), consent=True, is_demo=True)
    assert mails("initiatives.received") == []
    assert inbox("initiatives.queued") == {scene.office.username}


def test_screening_tells_the_submitter_each_step(scene: Scene) -> None:
    initiative = scene.register()
    services.initiative_screening_start(actor=scene.office, initiative=initiative)
    assert mails("initiatives.screening") == [SUBMITTER]
    services.initiative_screen(actor=scene.office, initiative=initiative, eligible=True)
    assert mails("initiatives.eligible") == [SUBMITTER]
    assert initiative.tracking_code in mail_to("initiatives.eligible").body

    other = scene.register(title="Nền tảng dữ liệu y tế")
    services.initiative_screening_start(actor=scene.office, initiative=other)
    services.initiative_screen(
        actor=scene.office,
        initiative=other,
        eligible=False,
        reason="Không thuộc lĩnh vực công nghệ chiến lược.",
    )
    ineligible = mail_to("initiatives.ineligible")
    assert "Không thuộc lĩnh vực công nghệ chiến lược." in ineligible.body
    assert other.tracking_code in ineligible.body
    # Screening is not news for the office's own queue.
    assert (
        Notification.objects.filter(event__in=["initiatives.screening", "initiatives.eligible"]).count() == 0
    )


def test_the_assigned_expert_and_only_them_hears_of_the_assignment(scene: Scene) -> None:
    initiative = scene.in_review()
    review = scene.assign(initiative, scene.experts[1])
    assert inbox("initiatives.review_assigned") == {scene.experts[1].username}
    assert mails("initiatives.review_assigned") == [scene.experts[1].email]
    notification = Notification.objects.get(event="initiatives.review_assigned")
    assert notification.link == f"/initiatives/reviews/{review.pk}/"


def test_a_conflict_asks_the_office_for_another_expert(scene: Scene, officer: User) -> None:
    initiative = scene.in_review()
    review = scene.assign(initiative, scene.experts[0])
    services.review_declare_conflict(
        actor=review.expert, review=review, has_conflict=True, note="Đồng tác giả."
    )
    assert inbox("initiatives.conflict") == {scene.office.username, officer.username}
    assert (
        scene.experts[0].display_name
        in Notification.objects.filter(event="initiatives.conflict").first().body
    )  # type: ignore[union-attr]
    # Declaring no conflict is not news.
    other = scene.assign(initiative, scene.experts[1])
    services.review_declare_conflict(actor=other.expert, review=other, has_conflict=False)
    assert Notification.objects.filter(event="initiatives.conflict").count() == 2  # still the first two


def test_reviews_go_to_the_office_and_a_complete_round_to_root_administrators(
    scene: Scene, officer: User, user_with_role: Any
) -> None:
    provincial_admin = user_with_role(Role.ADMIN, "01", username="quantri-hanoi")
    initiative = scene.in_review()
    first, second = (scene.assign(initiative, expert) for expert in scene.experts[:2])
    scene.score(first)
    assert inbox("initiatives.review_submitted") == {scene.office.username, officer.username}
    assert not Notification.objects.filter(event="initiatives.reviewed").exists()
    scene.score(second)
    assert Notification.objects.filter(event="initiatives.review_submitted").count() == 4
    # Only root administrators record the council decision.
    assert inbox("initiatives.reviewed") == {scene.office.username}
    assert mails("initiatives.reviewed") == [scene.office.email]
    assert provincial_admin.username not in inbox("initiatives.reviewed")


def test_the_decision_reaches_the_submitter_the_unit_and_withdrawn_experts(
    scene: Scene, a_program: Any, user_with_role: Any
) -> None:
    leader = user_with_role(Role.LEADER, "BO-KHCN", username="lanhdao-bokhcn")
    unit_admin = user_with_role(Role.ADMIN, "BO-KHCN", username="quantri-bokhcn")
    unit_officer = user_with_role(Role.OFFICER, "BO-KHCN", username="canbo-bokhcn")
    initiative = scene.in_review()
    for expert in scene.experts[:2]:
        scene.score(scene.assign(initiative, expert))
    scene.assign(initiative, scene.experts[2])  # still outstanding when the council decides
    decide(scene.office, initiative)
    initiative.refresh_from_db()

    outcome = mail_to("initiatives.decided")
    assert "Được lựa chọn" in outcome.body
    assert "Tính đột phá cao, khả thi." in outcome.body
    assert "/revise/" not in outcome.body

    assert inbox("initiatives.task_assigned") == {leader.username, unit_admin.username}
    assert unit_officer.username not in inbox("initiatives.task_assigned")
    assert mails("initiatives.task_assigned") == sorted([leader.email, unit_admin.email])
    lead = Assignment.objects.get(task=initiative.task)
    assert Notification.objects.filter(event="initiatives.task_assigned").first().link == (  # type: ignore[union-attr]
        reverse("delivery:assignment", args=[lead.pk])
    )
    assert EmailDelivery.objects.filter(event="initiatives.task_assigned", unit__code="BO-KHCN").count() == 2

    assert inbox("initiatives.review_withdrawn") == {scene.experts[2].username}


def test_needs_revision_sends_the_resubmit_link_and_a_resubmission_notifies_again(
    scene: Scene, officer: User
) -> None:
    initiative = scene.reviewed()
    decide(scene.office, initiative, Outcome.NEEDS_REVISION, reasons="Cần làm rõ lộ trình.")
    outcome = mail_to("initiatives.decided")
    assert "Cần làm rõ lộ trình." in outcome.body
    assert f"{SITE}/initiatives/track/{initiative.tracking_code}/revise/" in outcome.body
    assert not Notification.objects.filter(event="initiatives.task_assigned").exists()
    assert not Notification.objects.filter(event="initiatives.review_withdrawn").exists()

    services.initiative_resubmit(
        actor=None,
        tracking_code=initiative.tracking_code,
        contact_email=SUBMITTER,
        content=content(title="Bản đồ số đất hiếm (bản hoàn thiện)"),
    )
    assert mails("initiatives.resubmitted") == [SUBMITTER]
    assert initiative.tracking_code in mail_to("initiatives.resubmitted").body
    assert Notification.objects.filter(event="initiatives.queued", user=officer).count() == 2


def test_a_decision_that_rolls_back_notifies_nobody(
    scene: Scene, a_program: Any, user_with_role: Any
) -> None:
    user_with_role(Role.LEADER, "BO-KHCN")
    initiative = scene.reviewed()
    before = EmailDelivery.objects.count(), Notification.objects.count()
    inactive = Unit.objects.get(code="BO-KHCN")
    Unit.objects.filter(pk=inactive.pk).update(is_active=False)
    inactive.refresh_from_db()
    with pytest.raises(ValidationFailed):
        decide(scene.office, initiative, responsible_unit=inactive)
    assert (EmailDelivery.objects.count(), Notification.objects.count()) == before


def test_contact_addresses_never_reach_the_audit_log(scene: Scene, a_program: Any) -> None:
    initiative = scene.reviewed()
    decide(scene.office, initiative, Outcome.NEEDS_REVISION)
    services.initiative_resubmit(
        actor=None, tracking_code=initiative.tracking_code, contact_email=SUBMITTER, content=content()
    )
    assert EmailDelivery.objects.filter(to_address=SUBMITTER).count() >= 5
    fields = ("object_repr", "before_json", "after_json", "reason", "actor_label")
    leaks = Q()
    for name in fields:
        leaks |= Q(**{f"{name}__icontains": SUBMITTER}) | Q(**{f"{name}__icontains": "example.vn"})
    assert AuditEvent.objects.exists()
    assert not AuditEvent.objects.filter(leaks).exists()
