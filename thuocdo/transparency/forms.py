"""Filters of the public pages. Only what is typed into the query string passes through
here; everything is optional and unknown values are refused, never passed on."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from thuocdo.delivery.models import Colour

from .shapes import UnitRef


class AssignmentFilterForm(forms.Form):
    province = forms.ChoiceField(label=_("Tỉnh, thành phố"), required=False)
    colour = forms.ChoiceField(label=_("Màu"), required=False, choices=[("", _("Tất cả")), *Colour.choices])

    def __init__(self, *args: Any, provinces: Sequence[UnitRef], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province_field = self.fields["province"]
        assert isinstance(province_field, forms.ChoiceField)  # noqa: S101 - narrows the type
        province_field.choices = [("", _("Tất cả")), *((u.code, u.name) for u in provinces)]
