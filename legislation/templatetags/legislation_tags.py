from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html

from legislation import statuses, wording

register = template.Library()


@register.simple_tag
def status_badge(status):
    """A status as symbol and word, never colour alone."""
    return format_html(
        '<span class="status {}"><span aria-hidden="true">{}</span> {}</span>',
        statuses.css_class(status),
        statuses.symbol(status),
        statuses.Status(status).label,
    )


@register.filter
def status_words(status):
    """A status as symbol and word in plain text ("✘ not met"), e.g. for a `data-label`."""
    return statuses.label(status)


@register.simple_tag
def all_statuses():
    from legislation.rules import STATUS_ORDER

    return list(STATUS_ORDER)


@register.filter
def sufficiency_words(value):
    """ICMEC's sufficient flag in words: "yes", "no" or "not yet known"."""
    return statuses.Sufficiency(value).label


@register.filter
def as_of(cell):
    """A cell's as-of date as every page writes it (`statuses.format_as_of`)."""
    return statuses.cell_as_of(cell)


@register.simple_tag
def rollup_rule():
    """The roll-up rule in words (`rules.ROLLUP_RULE`), for every page showing an article."""
    from legislation.rules import ROLLUP_RULE

    return ROLLUP_RULE


@register.simple_tag(takes_context=True)
def dated_url(context, viewname, *args, **query):
    """A link that keeps the page's `?as_of=` date or `?release=`, so a reader stays in the
    same past. Keyword arguments become the query string (empty ones are left out)."""
    url = reverse(viewname, args=args)
    query = {name: value for name, value in query.items() if value not in (None, "", False)}
    if query:
        url = f"{url}?{urlencode(query)}"
    return keep_date(context, url)


@register.simple_tag(takes_context=True)
def keep_date(context, url):
    """`url` (e.g. `country.get_absolute_url`) keeping the page's `?as_of=` or `?release=`."""
    published_on = context.get("published_on")
    return published_on.keep(url) if published_on else url


@register.inclusion_tag("legislation/includes/_keep_date_fields.html", takes_context=True)
def keep_date_fields(context):
    """Hidden fields for a GET form on a dated page, so submitting it stays in the same past."""
    published_on = context.get("published_on")
    return {"fields": published_on.fields if published_on else ()}


@register.simple_tag(takes_context=True)
def today_url(context):
    """This address without `as_of` or `release`: the page as published today."""
    from legislation.site.published import MOMENT_PARAMETERS

    request = context["request"]
    params = request.GET.copy()
    for name in MOMENT_PARAMETERS:
        params.pop(name, None)
    return f"{request.path}?{params.urlencode()}" if params else request.path


@register.filter
def counted(count, word):
    """{{ n|counted:"change" }} → "1 change", "3 changes"."""
    return wording.counted(count, word)


@register.filter
def possessive(name):
    """{{ country.name|possessive }} → "Fiji’s", "Philippines’"."""
    return wording.possessive(name)


REJECTED_SHOWN = 10


@register.simple_tag
def rejected_proposals_of(user):
    """The author's most recently rejected proposals, with the comment that explains why."""
    from legislation.models import ChangeProposal

    if not user.is_authenticated:
        return []
    return list(
        ChangeProposal.objects.filter(batch__author=user, state=ChangeProposal.State.REJECTED)
        .select_related("assessment__country", "assessment__criterion", "reviewed_by")
        .order_by("-reviewed_at")[:REJECTED_SHOWN]
    )
