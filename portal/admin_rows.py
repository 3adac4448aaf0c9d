"""The console's change lists, the same HTML as Django's ``result_list``, with less work per row.

A queue page shows 50 to 100 rows, and Django builds every row's cells afresh: the selection
checkbox through a form widget and two templates, and the row's link through
``add_preserved_filters``, which parses the list's query string and resolves the row's URL again
to learn that it is a change page, not the list. Both answers are the same for every row of one
page, so here they are worked out once per page: the checkbox is written as the widget writes it,
and the filters to keep are appended to each row's link as computed for the first row. Each row's
cells are joined into one string, which Django's ``change_list_results.html`` prints unchanged.

Everything else (which column links, the cells' classes, how a value is displayed) follows
Django's ``items_for_result`` step by step; ``tests/portal/test_admin_rows.py`` compares both
renderings for every list in the console, so a Django upgrade that changes the markup fails there.
A list with editable columns (a formset) is left to Django.
"""

import datetime
from collections.abc import Iterator

from django.contrib.admin import ModelAdmin, helpers
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Model
from django.urls import NoReverseMatch
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Django's CheckboxInput with ModelAdmin.action_checkbox's attributes, as its template writes it.
CHECKBOX = '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">'


def result_list(cl: ChangeList) -> dict:
    """The context of Django's ``result_list`` tag for ``cl``, each row one joined string."""
    if cl.formset:
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    rows = Rows(cl)
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": [admin_list.ResultList(None, [rows.render(result)]) for result in cl.result_list],
    }


class Rows:
    """What every row of one change list page shares, and how one row is written."""

    def __init__(self, cl: ChangeList) -> None:
        self.cl = cl
        self.empty = cl.model_admin.get_empty_value_display()
        self.own_checkbox = type(cl.model_admin).action_checkbox is ModelAdmin.action_checkbox
        self.kept_filters: tuple[str, str] | None = None  # a row's URL, and with the list's filters

    def render(self, result: Model) -> SafeString:
        return mark_safe("".join(self.cells(result)))

    def links(self, first: bool, name: str) -> bool:
        """Whether the column links to the row's change page (Django's ``link_in_col``)."""
        links = self.cl.list_display_links
        if links is None:
            return False
        return (first and not links) or name in links

    def cells(self, result: Model) -> Iterator[str]:
        first = True
        for index, name in enumerate(self.cl.list_display):
            links = self.links(first, name)
            if name == "action_checkbox" and self.own_checkbox and not links:
                yield f'<td class="action-checkbox">{self.checkbox(result)}</td>'
                continue
            classes, shown = self.cell(index, name, result, links)
            row_class = mark_safe(f' class="{" ".join(classes)}"')
            if links:
                tag = "th" if first else "td"
                first = False
                yield format_html("<{}{}>{}</{}>", tag, row_class, self.link(result, shown), tag)
            else:
                yield format_html("<td{}>{}</td>", row_class, shown)

    def checkbox(self, result: Model) -> str:
        label = format_html(_("Select this object for an action - {}"), str(result))
        return format_html(CHECKBOX, helpers.ACTION_CHECKBOX_NAME, str(result.pk), label)

    def cell(self, index: int, name: str, result: Model, links: bool) -> tuple[list[str], object]:
        """The cell's classes and what it shows, as Django's ``items_for_result`` finds them."""
        classes = [f"field-{admin_list._coerce_field_name(name, index)}"]
        try:
            field, attr, value = lookup_field(name, result, self.cl.model_admin)
        except ObjectDoesNotExist:
            return classes, self.empty
        empty = getattr(attr, "empty_value_display", self.empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if field is None or field.auto_created:
            if name == "action_checkbox":
                classes = ["action-checkbox"]
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            if isinstance(value, datetime.date | datetime.time):
                classes.append("nowrap")
            return classes, display_for_value(value, empty, boolean)
        if isinstance(field.remote_field, models.ManyToOneRel):
            related = getattr(result, field.name)
            shown = empty if related is None else related
        else:
            shown = display_for_field(value, field, empty, avoid_link=links)
        if isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
            classes.append("nowrap")
        return classes, shown

    def link(self, result: Model, shown: object) -> object:
        cl = self.cl
        try:
            url = cl.url_for_result(result)
        except NoReverseMatch:
            return shown
        popup = ""
        if cl.is_popup:
            popup = format_html(
                ' data-popup-opener="{}"', result.serializable_value(str(cl.to_field or cl.pk_attname))
            )
        return format_html('<a href="{}"{}>{}</a>', self.keep_filters(url), popup, shown)

    def keep_filters(self, url: str) -> str:
        """``add_preserved_filters`` for a row's change page. What it appends (the list's own
        filters) is the same for every row's change page, so it is worked out for the first."""
        context = {"preserved_filters": self.cl.preserved_filters, "opts": self.cl.opts}
        if self.kept_filters is None:
            self.kept_filters = (url, add_preserved_filters(context, url))
        first_url, first_kept = self.kept_filters
        if "?" in url or not first_kept.startswith(first_url):
            return add_preserved_filters(context, url)
        return url + first_kept[len(first_url) :]
