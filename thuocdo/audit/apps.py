from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "thuocdo.audit"
    label = "audit"
    verbose_name = _("Nhật ký kiểm toán")

    def ready(self) -> None:
        from . import signal_handlers  # noqa: F401, PLC0415
