from django.shortcuts import render

from ..coverage import site_coverage
from ..statuses import SYMBOLS, Status


def home(request):
    ctx = {
        "coverage": site_coverage(),
        "status_key": [(s, SYMBOLS[s]) for s in Status],
    }
    return render(request, "legislation/home.html", ctx)
