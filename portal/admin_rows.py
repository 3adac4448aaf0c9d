"""The console's change lists, the same HTML as Django's ``result_list``, with less work per row.

A queue page shows 50 to 100 rows, and Django builds every row's cells afresh: the selection
checkbox through a form widget and two templates, and the row's link through
``add_preserved_filters``, which parses the list's query string and resolves the row's URL again
to learn that it is a change page, not the list. Both answers are the same for every row of one
page, so here they are worked out once per page: the checkbox is written as the widget writes it,
and the filters to keep are appended to each row's link as computed for the first row. Each row's
cells are joined into one string, which Django's ``change_list_results.html`` prints unchanged.

So are each column's classes, whether it links, and how its value is found (a model field, or
the admin's own method: Django asks again for every cell, by looking the name up as a field and
catching the miss) and, for a field with choices, its labels (Django builds the field's
dictionary of choices again for every cell); each cell is written as one string rather than
through ``format_html``.
A queue page's 50 rows took 24-25 ms to write with every cell looked up afresh, 19-21 with
these (at best of 40, issue 17).

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
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portal.choices import labels

#: Stands for a row's key in the change-page URL resolved once per page (``Rows.url_for_result``).
KEY = "0portal-row-key0"
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


class Column:
    """What one column of a page needs for every row, worked out once: its cell's classes, whether
    it links to the row's change page, and how its value is found (``lookup_field``'s answer for
    a model field or the admin's own method depends on the column, not the row)."""

    def __init__(self, cl: ChangeList, index: int, name: str, links: bool) -> None:
        self.name = name
        self.links = links
        self.classes = [f"field-{admin_list._coerce_field_name(name, index)}"]
        self.field: models.Field | None = None
        self.method = None  # the admin's method (or a callable) that gives the value
        self.choices: dict | None = None  # a field with choices: its labels (``display_for_field``)
        try:
            self.field = _get_non_gfk_field(cl.opts, name)
            if self.field.choices:
                self.choices = labels(self.field)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if callable(name):
                self.method = name
            elif hasattr(cl.model_admin, name) and name != "__str__":
                self.method = getattr(cl.model_admin, name)

    def lookup(self, result: Model, model_admin: ModelAdmin) -> tuple:
        """``lookup_field(name, result, model_admin)``."""
        if self.field is not None:
            return self.field, None, getattr(result, self.name)
        if self.method is not None:
            return None, self.method, self.method(result)
        return lookup_field(self.name, result, model_admin)


class Rows:
    """What every row of one change list page shares, and how one row is written."""

    def __init__(self, cl: ChangeList) -> None:
        self.cl = cl
        self.empty = cl.model_admin.get_empty_value_display()
        self.own_checkbox = type(cl.model_admin).action_checkbox is ModelAdmin.action_checkbox
        self.kept_filters: tuple[str, str] | None = None  # a row's URL, and with the list's filters
        self.change_url: str | None = None  # the rows' change page, KEY standing for the row's key
        self.checkbox_label = _("Select this object for an action - {}")
        self.columns = []
        first = True
        for index, name in enumerate(cl.list_display):
            links = self.links(first, name)
            first = first and not links
            self.columns.append(Column(cl, index, name, links))

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
        for column in self.columns:
            if column.name == "action_checkbox" and self.own_checkbox and not column.links:
                yield f'<td class="action-checkbox">{self.checkbox(result)}</td>'
                continue
            classes, shown = self.cell(column, result)
            row_class = " ".join(classes)
            if column.links:
                tag = "th" if first else "td"
                first = False
                yield f'<{tag} class="{row_class}">{self.link(result, shown)}</{tag}>'
            else:
                yield f'<td class="{row_class}">{conditional_escape(shown)}</td>'

    def checkbox(self, result: Model) -> str:
        label = format_html(self.checkbox_label, str(result))
        return format_html(CHECKBOX, helpers.ACTION_CHECKBOX_NAME, str(result.pk), label)

    def cell(self, column: Column, result: Model) -> tuple[list[str], object]:
        """The cell's classes and what it shows, as Django's ``items_for_result`` finds them."""
        classes = column.classes
        try:
            field, attr, value = column.lookup(result, self.cl.model_admin)
        except ObjectDoesNotExist:
            return classes, self.empty
        empty = getattr(attr, "empty_value_display", self.empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if field is None or field.auto_created:
            if column.name == "action_checkbox":
                classes = ["action-checkbox"]
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            if isinstance(value, datetime.date | datetime.time):
                classes = [*classes, "nowrap"]
            return classes, display_for_value(value, empty, boolean)
        if isinstance(field.remote_field, models.ManyToOneRel):
            related = getattr(result, field.name)
            shown = empty if related is None else related
        elif column.choices is not None:
            shown = column.choices.get(value, empty)
        else:
            shown = display_for_field(value, field, empty, avoid_link=column.links)
        if isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
            classes = [*classes, "nowrap"]
        return classes, shown

    def link(self, result: Model, shown: object) -> SafeString:
        cl = self.cl
        try:
            url = self.url_for_result(result)
        except NoReverseMatch:
            return conditional_escape(shown)
        popup = ""
        if cl.is_popup:
            popup = format_html(
                ' data-popup-opener="{}"', result.serializable_value(str(cl.to_field or cl.pk_attname))
            )
        return format_html('<a href="{}"{}>{}</a>', self.keep_filters(url), popup, shown)

    def url_for_result(self, result: Model) -> str:
        """``cl.url_for_result(result)``. Django resolves the same change-page URL again for every
        row, but for the row's key (90 µs a row); it is resolved once per page with ``KEY`` in
        the key's place, and each row's key put in, when it is a number, as a key of an
        auto-increment column always is. Any other key, or a change list of its own
        ``url_for_result``, is resolved as Django does."""
        cl = self.cl
        key = getattr(result, cl.pk_attname)
        if type(key) is not int or type(cl).url_for_result is not ChangeList.url_for_result:
            return cl.url_for_result(result)
        if self.change_url is None:
            opts = cl.opts
            name = f"admin:{opts.app_label}_{opts.model_name}_change"
            self.change_url = reverse(name, args=(KEY,), current_app=cl.model_admin.admin_site.name)
        return self.change_url.replace(KEY, str(key), 1)

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
