from django import forms
from django.utils.translation import gettext_lazy as _

from thuocdo.accounts.models import Role


class RoleGrantForm(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices)
    reason = forms.CharField(label=_("Lý do"), max_length=1000, required=False)


class RoleRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Lý do thu hồi"), max_length=1000, required=False)
