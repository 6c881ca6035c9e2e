from django.urls import path

from .views import countries, criteria, history, home

app_name = "legislation"

urlpatterns = [
    path("", home.home, name="home"),
    path("countries/<str:iso2>/", countries.profile, name="country"),
    path("criteria/<str:code>/", criteria.detail, name="criterion"),
    # Issue 5 (editorial workflow): history and point-in-time pages for editors and reviewers.
    # The import and the review queue live in the admin.
    path(
        "editorial/history/countries/<str:iso2>/",
        history.country_history,
        name="country_history",
    ),
    path(
        "editorial/history/criteria/<str:code>/",
        history.criterion_history,
        name="criterion_history",
    ),
]
