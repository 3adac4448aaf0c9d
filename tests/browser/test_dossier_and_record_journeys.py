"""Issue 16 in Chromium: a party downloads the case dossier and checks it; an anonymous visitor
reads a store's public record, which a buyer reaches from the order page."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from playwright.sync_api import expect

from disputes.evidence import process_evidence
from tests.factories import open_dispute_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dispute(delivered, real_now):
    dispute = open_dispute_for(delivered, at=real_now - timedelta(days=1), reason="damaged")
    for evidence in dispute.evidence.all():
        process_evidence(evidence_id=evidence.pk)
    return dispute


def test_the_buyer_downloads_the_dossier_and_it_verifies(
    live_server, browser_for, journey, buyer, dispute, tmp_path
):
    shots = journey("a-case-dossier")
    page = browser_for(buyer)
    page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    dossier = page.get_by_test_id("dossier")
    expect(dossier).to_contain_text("Case dossier")
    dossier.scroll_into_view_if_needed()
    shots.page(page, "dispute page with the dossier")

    with page.expect_download() as pdf_download:
        dossier.get_by_role("link", name="Summary (PDF)").click()
    pdf = tmp_path / pdf_download.value.suggested_filename
    pdf_download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    with page.expect_download() as zip_download:
        dossier.get_by_role("link", name="Summary and evidence (ZIP)").click()
    archive = tmp_path / zip_download.value.suggested_filename
    zip_download.value.save_as(archive)
    assert archive.name == f"dossier-{dispute.reference}-{dispute.order.number}.zip"
    call_command("verify_dossier", str(archive))

    # One byte of the photo changed: the check fails.
    source = zipfile.ZipFile(archive)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("evidence/"):
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            target.writestr(info, data)
    altered = tmp_path / "altered.zip"
    altered.write_bytes(out.getvalue())
    with pytest.raises(CommandError):
        call_command("verify_dossier", str(altered))


def test_an_anonymous_visitor_reads_the_public_record(
    live_server, new_context, browser_for, journey, buyer, dispute
):
    shots = journey("a-public-seller-record")
    buyer_page = browser_for(buyer)
    buyer_page.goto(f"{live_server.url}/orders/{dispute.order.number}/")
    buyer_page.get_by_test_id("store-record-link").click()
    expect(buyer_page.get_by_role("heading", level=1)).to_contain_text(dispute.store.name)
    record_url = buyer_page.url

    context = new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(record_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{dispute.store.name}: seller record")
    metrics = page.get_by_test_id("seller-metrics")
    expect(metrics.get_by_role("row", name="Orders")).to_contain_text("1")
    expect(metrics).to_contain_text("100.0 %")  # one order, one dispute
    expect(page.locator("figure svg rect")).to_have_count(6)
    assert page.url == record_url  # no sign-in asked of an anonymous visitor
    assert buyer.username not in page.content()
    assert dispute.order.number not in page.content()
    shots.page(page, "public seller record")


def test_the_seller_sees_the_record_with_trends(live_server, browser_for, journey, seller, dispute):
    shots = journey("a-seller-record")
    page = browser_for(seller)
    page.goto(f"{live_server.url}/seller/orders/")
    page.get_by_role("link", name="Record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your seller record")
    trends = page.get_by_test_id("seller-trends")
    expect(trends.get_by_role("row", name="Dispute rate")).to_contain_text("100.0 %")
    shots.page(page, "seller record with trends")
    page.get_by_role("link", name="See your public page").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("seller record")
