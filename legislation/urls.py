from django.urls import path

from legislation import feeds
from legislation.views import (
    changes,
    charts,
    compare,
    countries,
    criteria,
    data,
    figures,
    gaps,
    history,
    home,
    reports,
    sidebyside,
    worklist,
)

app_name = "legislation"

urlpatterns = [
    path("", home.home, name="home"),
    path("countries/<str:iso2>/", countries.profile, name="country"),
    path("criteria/<str:code>/", criteria.detail, name="criterion"),
    # Comparison table and its exports, headline figures, criteria index.
    path("compare/", compare.compare, name="compare"),
    path("figures/", figures.figures, name="figures"),
    path("criteria/", criteria.index, name="criteria"),
]

# Country list, gap reports and briefings, regional gap report, side-by-side view.
urlpatterns += [
    path("countries/", countries.country_list, name="countries"),
    path("countries/<str:iso2>/gaps/", gaps.gap_report, name="country-gaps"),
    path("countries/<str:iso2>/gaps.pdf", gaps.gap_report_pdf, name="country-gaps-pdf"),
    path("countries/<str:iso2>/gaps.docx", gaps.gap_report_docx, name="country-gaps-docx"),
    path("reports/gaps/", reports.gap_report, name="report-gaps"),
    path("compare/countries/", sidebyside.compare, name="compare-countries"),
]

# Editorial history and point-in-time pages (import and review queue are in the admin).
urlpatterns += [
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

# What changed between two days, and its Atom feeds.
urlpatterns += [
    path("changes/", changes.changes, name="changes"),
    path("figures/over-time/", charts.over_time, name="charts"),
    path("changes/feed/", feeds.ChangesFeed(), name="feed-changes"),
    path(
        "changes/feed/countries/<str:code>/",
        feeds.CountryChangesFeed(),
        name="feed-country-changes",
    ),
    path(
        "changes/feed/criteria/<str:code>/",
        feeds.CriterionChangesFeed(),
        name="feed-criterion-changes",
    ),
    path(
        "changes/feed/frameworks/<str:code>/",
        feeds.FrameworkChangesFeed(),
        name="feed-framework-changes",
    ),
]

# The research worklist for editors.
urlpatterns += [
    path("editorial/worklist/", worklist.research_worklist, name="worklist"),
]

# Data releases (the API itself is under /api/v1/, see legislation/api/urls.py).
urlpatterns += [
    path("data/", data.index, name="data"),
    path("data/latest/", data.latest, name="data-latest"),
    path("data/<str:version>/", data.release_page, name="data-release"),
    path("data/<str:version>/download.zip", data.release_zip, name="data-zip"),
    path("data/<str:version>/cite.<str:fmt>", data.cite, name="data-cite"),
    path("data/<str:version>/files/<path:path>", data.release_file, name="data-file"),
]
