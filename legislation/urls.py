from django.urls import path

from .views import home

app_name = "legislation"

urlpatterns = [
    path("", home.home, name="home"),
]
