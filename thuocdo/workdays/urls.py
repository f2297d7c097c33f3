from django.urls import path

from . import views

app_name = "workdays"
urlpatterns = [
    path("", views.calendar_index, name="index"),
    path("<int:year>/", views.calendar_year, name="year"),
    path("<int:year>/days/", views.calendar_day_set, name="day_set"),
    path("<int:year>/days/<str:day>/reset/", views.calendar_day_reset, name="day_reset"),
]
