from django.urls import path

from . import views

app_name = "initiatives"
urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("<int:initiative_id>/", views.public_detail, name="public_detail"),
    path("register/", views.register, name="register"),
    path("register/done/", views.registered, name="registered"),
    path("track/", views.track_lookup, name="track_lookup"),
    path("track/<str:code>/", views.track, name="track"),
    path("track/<str:code>/revise/", views.resubmit, name="resubmit"),
    path("office/", views.office_queue, name="office_queue"),
    path("office/ranking/", views.office_ranking, name="ranking"),
    path("office/<int:initiative_id>/", views.office_detail, name="office_detail"),
    path("office/<int:initiative_id>/screen/", views.office_screen, name="office_screen"),
    path("office/<int:initiative_id>/experts/", views.office_assign, name="office_assign"),
    path("office/<int:initiative_id>/decision/", views.office_decide, name="office_decide"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("reviews/", views.expert_reviews, name="expert_reviews"),
    path("reviews/<int:review_id>/", views.review_detail, name="review"),
    path("reviews/<int:review_id>/conflict/", views.review_conflict, name="review_conflict"),
    path("reviews/<int:review_id>/submit/", views.review_submit, name="review_submit"),
]
