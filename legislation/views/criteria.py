from django.http import Http404


def detail(request, code):
    # Placeholder so that links to criteria resolve; the criterion page replaces it (issue 3).
    raise Http404("Criterion pages are not built yet.")
