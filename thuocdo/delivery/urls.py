from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("live/", views.live, name="live"),
    path("my/", views.my_tasks, name="my_tasks"),
    path("league/", views.league, name="league"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("units/<str:code>/", views.dashboard, name="unit_dashboard"),
    path("assignments/<int:assignment_id>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:assignment_id>/report/", views.report_submit, name="report_submit"),
    path("assignments/<int:assignment_id>/judgement/", views.judgement_record, name="judgement"),
    path("reports/<int:report_id>/review/", views.report_review, name="report_review"),
    path("reports/<int:report_id>/verify/", views.verification_request, name="verification_request"),
    path("verification/", views.verification_queue, name="verification_queue"),
    path("verification/<int:verification_id>/", views.verification_decide, name="verification_decide"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
]
