from django import template
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


@register.simple_tag
def all_statuses():
    return list(statuses.IN_ORDER)


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
