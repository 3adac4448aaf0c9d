"""Every model's ``get_FOO_display()`` translates only the label it shows (``portal.choices``) and
says what Django's own says, for every choice, in every language the portal speaks."""

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation

from portal.choices import ChoiceLabels

PROJECT_APPS = ("portal", "orders", "disputes", "messaging")


def fields_with_choices() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for model in apps.get_models()
        if model.__module__.split(".")[0] in PROJECT_APPS
        for field in model._meta.concrete_fields
        if field.choices
    ]


def test_every_model_with_choices_shows_its_labels_at_the_cost_of_one():
    fields = fields_with_choices()
    assert len({model for model, _ in fields}) >= 15  # the walk found the project's models
    assert [model.__name__ for model, _ in fields if not issubclass(model, ChoiceLabels)] == []


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_every_label_reads_as_djangos_own_in_every_language(language):
    compared = 0
    with translation.override(language):
        for model, field in fields_with_choices():
            for value in [value for value, _ in field.flatchoices] + ["not-a-choice"]:
                instance = model(**{field.attname: value})
                shown = getattr(instance, f"get_{field.name}_display")()
                assert shown == models.Model._get_FIELD_display(instance, field), (model, field, value)
                assert type(shown) is str or shown == "not-a-choice"
                compared += 1
    assert compared > 500  # time zones alone are hundreds


def test_a_label_is_translated_when_shown_not_when_the_field_was_first_read():
    from disputes.models import Dispute

    dispute = Dispute(state=Dispute.State.AWAITING_SELLER)
    with translation.override("en"):
        english = dispute.get_state_display()
    with translation.override("ru"):
        russian = dispute.get_state_display()
    assert english == str(Dispute.State.AWAITING_SELLER.label) != russian
    with translation.override("ru"):
        assert russian == str(Dispute.State.AWAITING_SELLER.label)
