"""Template tags every page uses in its rows, written in Python because a list calls them once
per row: as includes they cost a list page a third of its rendering (issue 17)."""

from datetime import datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timeuntil
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def countdown(deadline: datetime) -> SafeString:
    """The time left until ``deadline`` ("3 days, 2 hours left"), which ``countdown.js`` keeps
    up to date in the reader's language from the two phrases in its attributes ("overdue by …"
    once it has passed)."""
    left = gettext("%(left)s left")
    return format_html(
        '<span class="countdown" data-deadline="{}" data-left="{}" data-overdue="{}">{}</span>',
        dateformat.format(timezone.template_localtime(deadline), "c"),
        left % {"left": "{time}"},
        gettext("overdue by %(time)s") % {"time": "{time}"},
        # The translation itself is not escaped, as {% blocktranslate %} prints it; the time is.
        mark_safe(left % {"left": conditional_escape(timeuntil(deadline))}),
    )
