"""Check the mail set-up: queue a Vietnamese test email to an address, through the same
path as every notification (delivery row, background job, retries, operator view)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from thuocdo.core.errors import ValidationFailed
from thuocdo.notifications.emails import email_render
from thuocdo.notifications.services import notify


class Command(BaseCommand):
    help = "Queue a test email to ADDRESS (sent by the background worker; see /ops/notifications/)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("address")

    def handle(self, *args: Any, address: str, **options: Any) -> None:
        email = email_render(event="test_email", context={"sent_at": timezone.now()})
        try:
            notify(event="test_email", subject=email.subject, body=email.body, emails=[address])
        except ValidationFailed as error:
            raise CommandError(
                "; ".join(m for messages in error.fields.values() for m in messages)
            ) from error
        self.stdout.write(f"Queued a test email to {address}.")
