from django.urls import path

from .views import countries, criteria, home

app_name = "legislation"

urlpatterns = [
    path("", home.home, name="home"),
    path("countries/<str:iso2>/", countries.profile, name="country"),
    path("criteria/<str:code>/", criteria.detail, name="criterion"),
]
