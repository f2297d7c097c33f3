"""Factories for notifications and email deliveries."""

import factory

from thuocdo.accounts.tests.factories import UserFactory
from thuocdo.notifications.models import DeliveryStatus, EmailDelivery, Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    event = "feedback.received"
    subject = factory.Sequence(lambda n: f"Phản ánh mới số {n}")
    body = "Có một phản ánh mới cần xử lý."
    link = "/monitoring/"


class EmailDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailDelivery

    to_address = factory.Sequence(lambda n: f"nguoidan{n}@example.vn")
    event = "feedback.received"
    subject = factory.Sequence(lambda n: f"Phản ánh số {n} đã được tiếp nhận")
    body = "Phản ánh của bạn đã được tiếp nhận."
    status = DeliveryStatus.PENDING
