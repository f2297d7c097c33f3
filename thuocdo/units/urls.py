from django.urls import path

from . import views

app_name = "units"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("search/", views.search, name="search"),
    path("roles/<int:assignment_id>/revoke/", views.role_revoke_view, name="role_revoke"),
    path("<str:code>/", views.unit_detail, name="detail"),
    path("<str:code>/people/", views.people, name="people"),
]
