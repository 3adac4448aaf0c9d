"""``get_FOO_display()`` at the cost of the one label it shows.

Django's looks the value up, on every call, in a dictionary it builds anew from the field's
choices made hashable, which hashes, so translates, every label of the field: 100 µs for a
dispute's state (13 of them) against 11 µs for that state's label alone. A page shows 20 or more
such labels, and at 1M orders the weighted mix of pages spent 1.2 of its 32 ms of CPU a request
building those dictionaries (issue 17).

Here each field's dictionary is built once, of the labels as they are (lazy translations), and
only the label shown is translated, in the reader's language, when it is shown. For fixed
choices (every field here: ``TextChoices`` and lists), not choices a callable gives.
``tests/portal/test_choices.py`` compares every label of every field with Django's, in each
language.
"""

from functools import cache

from django.db import models
from django.utils.encoding import force_str


@cache
def labels(field: models.Field) -> dict:
    """``field``'s value -> label, the labels untranslated (lazy) as the field keeps them."""
    return dict(field.flatchoices)


class ChoiceLabels:
    """A model whose ``get_FOO_display()`` translates only the label it returns."""

    def _get_FIELD_display(self, field: models.Field) -> str:
        value = getattr(self, field.attname)
        return force_str(labels(field).get(value, value), strings_only=True)
