from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DeliveryStatus


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Trạng thái"), required=False, choices=[("", _("Tất cả")), *DeliveryStatus.choices]
    )
    event = forms.ChoiceField(label=_("Sự kiện"), required=False)

    def __init__(self, *args: Any, events: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        event_field: Any = self.fields["event"]
        event_field.choices = [("", _("Tất cả")), *((event, event) for event in events)]
