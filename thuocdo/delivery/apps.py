from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "thuocdo.delivery"
    label = "delivery"
    verbose_name = _("Theo dõi, đánh giá nhiệm vụ")
