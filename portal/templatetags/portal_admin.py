"""The mediation console's own template tags."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.views.main import ChangeList
from django.template.base import Parser, Token
from django.utils.translation import gettext, ngettext

from portal import admin_rows

register = template.Library()


@register.tag(name="portal_result_list")
def result_list_tag(parser: Parser, token: Token) -> InclusionAdminNode:
    """Django's ``{% result_list cl %}`` (same templates, same HTML) with the rows written by
    :mod:`portal.admin_rows`."""
    return InclusionAdminNode(
        parser,
        token,
        func=admin_rows.result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )


@register.simple_tag
def result_count(cl: ChangeList) -> str:
    """ "3 disputes" under a change list, with the plural form the count needs in the reader's
    language ("3 спора", "5 споров"): Django's own line puts the count before the model's one
    plural name ("0 споры"). A ModelAdmin names its rows with ``result_count_label``, an
    ``ngettext_lazy(singular, plural, "count")``; others count "results"."""
    count = cl.result_count
    label = getattr(cl.model_admin, "result_count_label", None)
    if label is None:
        counted = ngettext("%(count)d result", "%(count)d results", count) % {"count": count}
    else:
        counted = label % {"count": count}
    if getattr(cl.paginator, "capped", False):
        # The count stopped at the cap (``portal.paging.CappedPaginator``): "more than 1000 disputes".
        return gettext("more than %(counted)s") % {"counted": counted}
    return counted
