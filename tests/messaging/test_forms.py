from django.utils.datastructures import MultiValueDict

from messaging.forms import SendMessageForm
from tests.messaging.conftest import photo


def test_the_form_takes_several_photos_as_a_list():
    files = [photo("a.jpg"), photo("b.jpg")]

    form = SendMessageForm({"body": ""}, MultiValueDict({"photos": files}))

    assert form.is_valid(), form.errors
    assert [f.name for f in form.cleaned_data["photos"]] == ["a.jpg", "b.jpg"]


def test_no_photos_clean_to_an_empty_list():
    form = SendMessageForm({"body": "Hello"}, MultiValueDict())

    assert form.is_valid(), form.errors
    assert form.cleaned_data["photos"] == []


def test_text_or_a_photo_is_required():
    form = SendMessageForm({"body": "  "}, MultiValueDict())

    assert not form.is_valid()
    assert form.errors == {"body": ["Write a message or attach a photo."]}


def test_six_photos_are_one_too_many():
    form = SendMessageForm({"body": ""}, MultiValueDict({"photos": [photo(f"{n}.jpg") for n in range(6)]}))

    assert not form.is_valid()
    assert form.errors == {"photos": ["Attach at most 5 photos to one message."]}
