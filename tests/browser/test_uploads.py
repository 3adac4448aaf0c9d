"""The upload widget and the evidence gallery in Chromium: previews that can be removed, the
server's limits checked before sending, and processed photos appearing without a reload."""

import re

import pytest
from playwright.sync_api import expect

from disputes import policy
from disputes.models import Evidence
from tests.factories import open_dispute_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dispute(delivered, real_now):
    return open_dispute_for(delivered, at=real_now, reason="damaged", description="Cracked screen.")


def _open_upload_form(page, live_server, dispute):
    page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    page.get_by_text("Add photos or videos").click()
    return page.locator("form[action$='/evidence/add/']")


def test_chosen_photos_show_as_removable_previews_and_only_the_kept_ones_are_sent(
    live_server, browser_for, journey, photo, buyer, dispute
):
    shots = journey("uploads-previews")
    page = browser_for(buyer, viewport={"width": 360, "height": 780})
    form = _open_upload_form(page, live_server, dispute)
    form.locator("input[type=file]").set_input_files([photo("first.jpg"), photo("second.png")])
    previews = form.locator(".upload-previews li")
    expect(previews).to_have_count(2)
    expect(previews.nth(0)).to_contain_text("first.jpg")
    expect(previews.nth(0).locator("img")).to_have_attribute("src", re.compile(r"^data:image/"))
    expect(previews.nth(1)).to_contain_text("second.png")
    shots.page(page, "two chosen")

    form.get_by_role("button", name="Remove first.jpg").click()
    expect(previews).to_have_count(1)
    assert form.locator("input[type=file]").evaluate("input => input.files.length") == 1
    before = dispute.evidence.count()
    with page.expect_navigation():
        form.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    names = list(dispute.evidence.order_by("id").values_list("original_name", flat=True))
    assert len(names) == before + 1
    assert names[-1] == "second.png"
    shots.page(page, "sent")


def test_a_file_over_the_servers_limit_is_refused_before_sending(
    live_server, browser_for, tmp_path, buyer, dispute
):
    page = browser_for(buyer)
    form = _open_upload_form(page, live_server, dispute)
    big = tmp_path / "huge.jpg"
    big.write_bytes(b"\xff\xd8" + b"0" * (policy.MAX_PHOTO_BYTES + 1))
    form.locator("input[type=file]").set_input_files([big])
    expect(form.get_by_role("alert")).to_contain_text("huge.jpg is")
    expect(form.get_by_role("alert")).to_contain_text("the limit is 10.0 MB")
    before = dispute.evidence.count()
    form.get_by_role("button", name="Add evidence").click()
    page.wait_for_timeout(500)
    assert dispute.evidence.count() == before
    assert form.locator("input[type=file]").evaluate("input => !input.validity.valid")


def test_evidence_that_finishes_processing_appears_without_a_reload(live_server, browser_for, buyer, dispute):
    item = dispute.evidence.get()
    Evidence.objects.filter(pk=item.pk).update(status=Evidence.Status.PROCESSING)
    page = browser_for(buyer)
    page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    gallery = page.locator("#evidence-gallery")
    expect(gallery.get_by_role("status")).to_contain_text("Processing")
    Evidence.objects.filter(pk=item.pk).update(status=Evidence.Status.READY)
    expect(gallery.locator("img.evidence-thumb")).to_have_count(1, timeout=8000)
    expect(page.locator("#evidence-gallery")).to_have_attribute("data-processing", "")
