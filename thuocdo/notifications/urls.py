from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="read"),
    path("ops/notifications/", views.delivery_list, name="deliveries"),
    path("ops/notifications/<int:delivery_id>/resend/", views.delivery_resend, name="resend"),
]
