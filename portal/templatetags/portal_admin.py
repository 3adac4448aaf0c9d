"""The mediation console's own template tags."""

from django import template
from django.contrib.admin.views.main import ChangeList
from django.utils.translation import ngettext

register = template.Library()


@register.simple_tag
def result_count(cl: ChangeList) -> str:
    """ "3 disputes" under a change list, with the plural form the count needs in the reader's
    language ("3 спора", "5 споров"): Django's own line puts the count before the model's one
    plural name ("0 споры"). A ModelAdmin names its rows with ``result_count_label``, an
    ``ngettext_lazy(singular, plural, "count")``; others count "results"."""
    label = getattr(cl.model_admin, "result_count_label", None)
    if label is None:
        return ngettext("%(count)d result", "%(count)d results", cl.result_count) % {"count": cl.result_count}
    return label % {"count": cl.result_count}
