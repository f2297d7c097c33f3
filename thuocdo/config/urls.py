from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    # First: API clients send most of the requests, and Django tries patterns in order.
    path("api/v1/", api.urls),
    path("", include("thuocdo.core.urls")),
    path("ops/calendar/", include("thuocdo.workdays.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("thuocdo.accounts.urls")),
    path("units/", include("thuocdo.units.urls")),
    path("audit/", include("thuocdo.audit.urls")),
    path("monitoring/", include("thuocdo.delivery.urls")),
    path("public/", include("thuocdo.transparency.urls")),
    path("", include("thuocdo.notifications.urls")),  # /notifications/ and /ops/notifications/
    path("feedback/", include("thuocdo.feedback.urls")),
    path("initiatives/", include("thuocdo.initiatives.urls")),
    path("open311/v2/", include("thuocdo.feedback.open311.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "thuocdo.core.views.error_403"
handler404 = "thuocdo.core.views.error_404"
handler500 = "thuocdo.core.views.error_500"
