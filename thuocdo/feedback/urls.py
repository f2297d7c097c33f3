from django.urls import path

from . import views, views_public, views_routing

app_name = "feedback"

urlpatterns = [
    # Public (no login): filing, following by code, published answers, per-unit figures.
    path("", views_public.submit, name="submit"),
    path("similar/", views_public.similar, name="similar"),
    path("communes/", views_public.communes, name="communes"),
    path("track/", views_public.track_lookup, name="track_lookup"),
    path("track/<str:code>/", views_public.track, name="track"),
    path("track/<str:code>/rate/", views_public.track_rate, name="track_rate"),
    path("track/<str:code>/dispute/", views_public.track_dispute, name="track_dispute"),
    path("answers/", views_public.published_list, name="published_list"),
    path("answers/<int:case_id>/", views_public.published_case, name="published_case"),
    path("statistics/", views_public.unit_statistics, name="statistics"),
    # Handlers (login).
    path("desk/", views.inbox, name="inbox"),
    path("desk/triage/", views.triage, name="triage"),
    path("desk/routing/", views_routing.routing_models, name="routing_models"),
    path("desk/escalations/", views.escalations, name="escalations"),
    path("desk/backlog/", views.backlog, name="backlog"),
    path("desk/backlog/<str:code>/", views.backlog, name="backlog_unit"),
    path("desk/settings/", views.desk_settings, name="settings"),
    path("desk/cases/<int:case_id>/", views.case_detail, name="case"),
    path("desk/cases/<int:case_id>/<str:action>/", views.case_action, name="case_action"),
    path("desk/items/<int:item_id>/contact/", views.item_contact, name="item_contact"),
]
