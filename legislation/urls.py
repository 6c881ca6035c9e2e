from django.urls import path

from .views import compare, countries, criteria, figures, home

app_name = "legislation"

urlpatterns = [
    path("", home.home, name="home"),
    path("countries/<str:iso2>/", countries.profile, name="country"),
    path("criteria/<str:code>/", criteria.detail, name="criterion"),
    # Issue 3: comparison table and its exports, headline figures, criteria index.
    path("compare/", compare.compare, name="compare"),
    path("figures/", figures.figures, name="figures"),
    path("criteria/", criteria.index, name="criteria"),
]
