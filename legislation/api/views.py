"""The read-only API: each view validates its query string through a FilterSet, reads rows from
`queries` at the chosen moment, and answers a page of them with an ETag.

Invalid parameters answer 400 with the FilterSet's messages; an unchanged answer 304.
"""

import hashlib

from django.urls import reverse
from django.utils.cache import parse_etags, quote_etag
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse as api_reverse

from legislation.models import Release
from legislation.site import cache as datacache

from . import filters, queries, serializers


def etag(request, moment):
    """Changes whenever the data it answers from may have: a release never changes."""
    release = moment.release
    version = release.zip_sha256 if release is not None else datacache.data_version()
    digest = hashlib.sha256(f"{version}\x1f{request.get_full_path()}".encode()).hexdigest()
    return quote_etag(digest[:32])


class RowsView(generics.ListAPIView):
    """A list of rows from `queries`, filtered by `filterset_class`, paginated, with an ETag."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.MomentOnlyFilter

    def get_queryset(self):
        # The FilterSet's model; rows themselves come from `queries`, not from this queryset.
        return self.filterset_class._meta.model.objects.all()

    def checked_filterset(self):
        backend = DjangoFilterBackend()
        filterset = backend.get_filterset(self.request, self.get_queryset(), self)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset

    def list(self, request, *args, **kwargs):
        filterset = self.checked_filterset()
        moment = filterset.moment()
        tag = etag(request, moment)
        if tag in parse_etags(request.headers.get("If-None-Match", "")):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})
        rows = self.rows(filterset, filterset.form.cleaned_data, moment)
        page = self.paginate_queryset(rows)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response["ETag"] = tag
        if moment.release is not None:
            response["X-Data-Release"] = moment.release.version
        return response

    def rows(self, filterset, data, moment):
        raise NotImplementedError


class FrameworkList(RowsView):
    """The two standards: ICMEC's model legislation and the Lanzarote Convention."""

    serializer_class = serializers.FrameworkSerializer

    def rows(self, filterset, data, moment):
        return queries.frameworks(moment)


class CriterionList(RowsView):
    """Criteria with their article tree: `parent` and `children` codes (Lanzarote)."""

    serializer_class = serializers.CriterionSerializer
    filterset_class = filters.CriterionFilter

    def rows(self, filterset, data, moment):
        rows = queries.criteria(moment)
        children = {}
        for row in rows:
            if row["parent"]:
                children.setdefault(row["parent"], []).append(row["code"])
        for row in rows:
            row["children"] = children.get(row["code"], [])
        if data.get("framework"):
            rows = [r for r in rows if r["framework"] == data["framework"]]
        return rows


class CountryList(RowsView):
    """Countries chosen by the comparison page's filters (region, group, min_met, …)."""

    serializer_class = serializers.CountrySerializer
    filterset_class = filters.CountryFilter

    def rows(self, filterset, data, moment):
        chosen = set(filters.selected_countries(filterset, data, moment))
        return [row for row in queries.countries(moment) if row["iso2"] in chosen]


class CellList(RowsView):
    """Country × criterion cells of one standard (framework=, default icmec): status, as-of
    with precision, evidence grade, source, provisions with links, reason code, review date."""

    serializer_class = serializers.CellSerializer
    filterset_class = filters.CellFilter

    def rows(self, filterset, data, moment):
        codes = set(filters.selected_countries(filterset, data, moment))
        cells, provisions = queries.cells(moment, country_codes=codes, framework=data["framework"])
        if data.get("criterion"):
            cells = [c for c in cells if c["criterion"] in set(data["criterion"])]
        if data.get("status"):
            cells = [c for c in cells if c["status"] in set(data["status"])]
        return queries.nest_cells(cells, provisions, queries.sources(moment))


class TreatyParticipationList(RowsView):
    """Signatures, ratifications and accessions, each with its reservations and declarations."""

    serializer_class = serializers.TreatyParticipationSerializer
    filterset_class = filters.TreatyFilter

    def rows(self, filterset, data, moment):
        rows = queries.treaty_participation(moment)
        if data.get("country"):
            wanted = {c.iso2 for c in data["country"]}
            rows = [r for r in rows if r["country"] in wanted]
        made = {}
        for reservation in queries.reservations(moment):
            key = (reservation.pop("treaty"), reservation.pop("country"))
            made.setdefault(key, []).append(reservation)
        for row in rows:
            row["reservations"] = made.get((row["treaty"], row["country"]), [])
        return rows


class PublishedFigureList(RowsView):
    """Aggregates as ICMEC published them, for comparison with the app's own counts."""

    serializer_class = serializers.PublishedFigureSerializer
    filterset_class = filters.FigureFilter

    def rows(self, filterset, data, moment):
        rows = queries.published_figures(moment)
        if data.get("framework"):
            rows = [r for r in rows if r["framework"] == data["framework"]]
        if data.get("edition") is not None:
            rows = [r for r in rows if r["edition"] == data["edition"]]
        return rows


class ChangeList(RowsView):
    """Approved changes to public cells, newest first, with what changed and why (no names)."""

    serializer_class = serializers.ChangeSerializer
    filterset_class = filters.ChangeFilter

    def rows(self, filterset, data, moment):
        codes = {c.iso2 for c in data["country"]} if data.get("country") else None
        return queries.changes(moment, country_codes=codes, since=data.get("since"))


class ReleaseList(RowsView):
    """Published data releases, newest first; `as_of` lists those cut by then."""

    serializer_class = serializers.ReleaseSerializer

    def rows(self, filterset, data, moment):
        releases = Release.objects.newest_first()
        if moment.release is not None:
            releases = releases.filter(pk=moment.release.pk)
        if moment.at is not None:
            releases = releases.filter(cut_at__lte=moment.at)
        return [
            {
                "version": r.version,
                "released_at": r.cut_at.isoformat().replace("+00:00", "Z"),
                "level": r.level,
                "notes": r.notes,
                "counts": r.counts,
                "zip_sha256": r.zip_sha256,
                "download": self.request.build_absolute_uri(
                    reverse("legislation:data-zip", args=[r.version])
                ),
            }
            for r in releases.defer("created_by")
        ]


ERRORS = {
    304: OpenApiResponse(description="Not modified: the ETag sent in If-None-Match still holds."),
    400: OpenApiResponse(
        response=OpenApiTypes.OBJECT,
        description="A parameter could not be used: each parameter named lists why.",
    ),
    404: OpenApiResponse(response=OpenApiTypes.OBJECT, description="No such page of results."),
    429: OpenApiResponse(
        response=OpenApiTypes.OBJECT,
        description="Too many requests from this address; Retry-After says when to try again.",
    ),
}

for _view in (
    FrameworkList,
    CriterionList,
    CountryList,
    CellList,
    TreatyParticipationList,
    PublishedFigureList,
    ChangeList,
    ReleaseList,
):
    # Every error the API can answer is in the schema, so clients (and schemathesis) know it.
    _responses = {200: _view.serializer_class(many=True), **ERRORS}
    extend_schema_view(get=extend_schema(responses=_responses))(_view)


@extend_schema(exclude=True)
@api_view(["GET"])
def api_root(request, format=None):
    """Where everything is: the resources, the schema and the docs."""
    names = [
        "frameworks",
        "criteria",
        "countries",
        "cells",
        "treaty-participation",
        "published-figures",
        "changes",
        "releases",
        "schema",
        "docs",
    ]
    return Response({name: api_reverse(f"api:{name}", request=request) for name in names})
