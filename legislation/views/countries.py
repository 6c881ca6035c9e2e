from django.http import Http404


def profile(request, iso2):
    # Placeholder so that links to profiles resolve; the profile page replaces it (issue 4).
    raise Http404("Country profiles are not built yet.")
