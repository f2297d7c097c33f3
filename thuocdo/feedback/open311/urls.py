"""/open311/v2/: every resource with a .xml or .json suffix, as the spec writes them."""

from django.urls import path, re_path

from . import views

app_name = "open311"

FORMAT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    path("", views.discovery, {"fmt": "json"}, name="root"),
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[A-Za-z0-9_\-]+)" + FORMAT, views.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/.]+)" + FORMAT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[A-Za-z0-9_\-]+)" + FORMAT, views.token_detail, name="token"),
]
