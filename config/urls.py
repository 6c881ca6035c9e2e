from django.contrib import admin
from django.urls import include, path

from legislation.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("legislation.api.urls")),
    path("", include("legislation.urls")),
]
