"""The research worklist for editors (staff page)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from legislation.editorial.worklist import worklist


@login_required
@permission_required("legislation.change_assessment", raise_exception=True)
def research_worklist(request):
    return render(request, "legislation/editorial/worklist.html", worklist())
