from django.urls import path

from . import views

app_name = "transparency"
urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", views.status_rules, name="rules"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("data/", views.open_data, name="data"),
    path("data/plans/<int:plan_id>/assignments.csv", views.plan_assignments_csv, name="plan_csv"),
    path("data/plans/<int:plan_id>/assignments.json", views.plan_assignments_json, name="plan_json"),
]
