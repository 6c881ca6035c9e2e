"""/api/v1/: the read-only JSON API, its OpenAPI 3 schema and its documentation page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

app_name = "api"

urlpatterns = [
    path("", views.api_root, name="root"),
    path("frameworks/", views.FrameworkList.as_view(), name="frameworks"),
    path("criteria/", views.CriterionList.as_view(), name="criteria"),
    path("countries/", views.CountryList.as_view(), name="countries"),
    path("cells/", views.CellList.as_view(), name="cells"),
    path(
        "treaty-participation/",
        views.TreatyParticipationList.as_view(),
        name="treaty-participation",
    ),
    path("published-figures/", views.PublishedFigureList.as_view(), name="published-figures"),
    path("changes/", views.ChangeList.as_view(), name="changes"),
    path("releases/", views.ReleaseList.as_view(), name="releases"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN is asked for anything.
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
