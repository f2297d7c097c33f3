from django.urls import path

from . import views, views_excel

app_name = "delivery"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("live/", views.live, name="live"),
    path("my/", views.my_tasks, name="my_tasks"),
    path("league/", views.league, name="league"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("units/<str:code>/", views.dashboard, name="unit_dashboard"),
    path("units/<str:code>/pins/", views.pin_add, name="pin_add"),
    path("pins/<int:pin_id>/remove/", views.pin_remove, name="pin_remove"),
    path("assignments/<int:assignment_id>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:assignment_id>/report/", views.report_submit, name="report_submit"),
    path("assignments/<int:assignment_id>/judgement/", views.judgement_record, name="judgement"),
    path("reports/<int:report_id>/review/", views.report_review, name="report_review"),
    path("reports/<int:report_id>/verify/", views.verification_request, name="verification_request"),
    path("verification/", views.verification_queue, name="verification_queue"),
    path("verification/<int:verification_id>/", views.verification_decide, name="verification_decide"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
]
urlpatterns += [
    path("plans/<int:plan_id>/import/", views_excel.plan_import, name="plan_import"),
    path("plans/import-template.xlsx", views_excel.import_template, name="import_template"),
    path("plans/<int:plan_id>/export.xlsx", views_excel.plan_export, name="plan_export"),
    path("export/scorecards.xlsx", views_excel.scorecards_export, name="scorecards_export"),
    path("assignments/<int:assignment_id>/reports.xlsx", views_excel.reports_export, name="reports_export"),
]
