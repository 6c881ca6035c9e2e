"""/figures/over-time/: coverage and statuses by month, and ICMEC's figures by edition."""

from django.shortcuts import render

from legislation import charts
from legislation.site.forms import ChartsForm


def over_time(request):
    form = ChartsForm(request.GET)
    if not form.is_valid():
        return render(request, "legislation/site/charts.html", {"form": form}, status=400)
    criterion = form.cleaned_data["criterion"]
    region = form.cleaned_data["region"]
    shown = [charts.coverage_chart()]
    if criterion or region:
        shown.append(charts.status_chart(criterion=criterion, region=region or None))
    shown.append(charts.icmec_editions_chart())
    return render(request, "legislation/site/charts.html", {"form": form, "charts": shown})
