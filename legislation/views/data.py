"""/data/: the data releases, each as a zip and file by file, with how to cite it."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from legislation.models import Release
from legislation.releases import citation, package

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".cff": "text/yaml; charset=utf-8",
}
CITATION_FORMATS = {
    "txt": ("text/plain; charset=utf-8", citation.text),
    "bib": ("application/x-bibtex; charset=utf-8", citation.bibtex),
    "cff": ("text/yaml; charset=utf-8", citation.cff),
}


def _release_or_404(version):
    release = Release.objects.by_name(version)
    if release is None:
        raise Http404(f"No data release has the version {version[:20]}.")
    return release


def _page_url(request, release):
    return request.build_absolute_uri(reverse("legislation:data-release", args=[release.version]))


def _citations(request, release):
    url = _page_url(request, release)
    day = release.cut_at.date()
    return {
        "text": citation.text(release.version, day, url),
        "bibtex": citation.bibtex(release.version, day, url),
        "cff": citation.cff(release.version, day, url),
    }


def index(request):
    releases = list(Release.objects.newest_first().defer("created_by"))
    rows = [{"release": r, "cite": _citations(request, r)} for r in releases]
    ctx = {"rows": rows, "latest": releases[0] if releases else None}
    return render(request, "legislation/site/data.html", ctx)


def release_page(request, version):
    release = _release_or_404(version)
    ctx = {
        "rows": [{"release": release, "cite": _citations(request, release)}],
        "latest": Release.objects.latest_release(),
        "single": True,
        "files": release.files.order_by("path").only("path", "sha256", "size"),
    }
    return render(request, "legislation/site/data.html", ctx)


def latest(request):
    release = Release.objects.latest_release()
    if release is None:
        raise Http404("No data release has been published yet.")
    return redirect("legislation:data-zip", version=release.version)


def release_zip(request, version):
    release = _release_or_404(version)
    response = HttpResponse(package.release_zip(release), content_type="application/zip")
    name = f"{package.PACKAGE_NAME}-{release.version}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["ETag"] = f'"{release.zip_sha256}"'
    return response


def release_file(request, version, path):
    """One file of a release as stored, so `frictionless validate <url>/datapackage.json`
    works against the site itself."""
    release = _release_or_404(version)
    stored = release.files.filter(path=path).first()
    if stored is None:
        raise Http404(f"Release {release.version} has no file {path[:60]}.")
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path else ""
    content_type = CONTENT_TYPES.get(suffix, "text/plain; charset=utf-8")
    response = HttpResponse(bytes(stored.content), content_type=content_type)
    response["ETag"] = f'"{stored.sha256}"'
    return response


def cite(request, version, fmt):
    release = _release_or_404(version)
    if fmt not in CITATION_FORMATS:
        raise Http404("Citations come as txt, bib or cff.")
    content_type, write = CITATION_FORMATS[fmt]
    body = write(release.version, release.cut_at.date(), _page_url(request, release))
    return HttpResponse(body, content_type=content_type)
