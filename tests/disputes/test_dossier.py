"""The case dossier: a PDF summary and a ZIP whose manifest lets anyone check the evidence."""

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape
from PIL import ImageFile

from disputes import services
from disputes.dossier import archive, pdf
from disputes.evidence import process_evidence
from messaging import services as messaging
from tests.factories import deliver, open_dispute_for, ship

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def decided(order, buyer, seller, mediator, now, django_capture_on_commit_callbacks):
    """A damaged-item dispute with a photo, a chat message, a rejection, an escalation and a
    mediator's partial refund with reasons; the photo's display copy made."""
    ship(order, at=now + DAY)
    deliver(order, at=now + 4 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        dispute = open_dispute_for(
            order, at=now + 5 * DAY, reason="damaged", description="The lid arrived cracked in two."
        )
    for evidence in dispute.evidence.all():
        process_evidence(evidence_id=evidence.pk)
    messaging.send_message(
        order=order, sender=buyer, body="The lid is broken, see photo.", photos=[], now=now + 5 * DAY
    )
    services.reject_request(
        dispute=dispute, seller=seller, note="It left our warehouse intact.", evidence=[], now=now + 6 * DAY
    )
    services.escalate_dispute(
        dispute=dispute, user=buyer, note="Please look at the photo.", now=now + 7 * DAY
    )
    services.decide_dispute(
        dispute=dispute,
        mediator=mediator,
        decision="partial_refund",
        amount=Decimal("20.00"),
        note="The photo shows a crack; the item still works.",
        now=now + 8 * DAY,
    )
    dispute.refresh_from_db()
    return dispute


def body(response) -> bytes:
    """The downloaded bytes: the ZIP is streamed from a temporary file, the PDF is not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def download(client, user, dispute, kind: str):
    client.force_login(user)
    return client.get(reverse(f"disputes:dossier_{kind}", args=[dispute.pk]))


def test_the_pdf_is_a_real_pdf(client, decided, buyer):
    response = download(client, buyer, decided, "pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"dossier-{decided.reference}" in response["Content-Disposition"]


def test_the_pdf_is_written_in_the_readers_time_zone(client, decided, buyer, monkeypatch):
    from django.utils import timezone

    zones = []
    render = pdf.render_pdf

    def spy(dossier):
        zones.append(timezone.get_current_timezone_name())
        return render(dossier)

    monkeypatch.setattr(pdf, "render_pdf", spy)
    buyer.time_zone = "Asia/Tokyo"
    buyer.save(update_fields=["time_zone"])

    assert download(client, buyer, decided, "pdf").status_code == 200
    assert zones == ["Asia/Tokyo"]


def test_the_pdf_template_lists_every_part_of_the_case(rf, decided, buyer, mediator):
    from django.template.loader import render_to_string
    from django.utils import timezone

    from disputes.dossier.contents import dossier_for
    from disputes.permissions import get_dispute_for_user

    # As the download views have it: from the gatekeeper, which joins neither the mediator nor the
    # store's owner.
    decided = get_dispute_for_user(buyer, decided.pk)
    with timezone.override("Asia/Tokyo"):
        dossier = dossier_for(dispute=decided, reader=buyer, now=decided.closed_at)
        html = render_to_string(
            "disputes/dossier.html", {"dossier": dossier, "dispute": decided, "zone": "Asia/Tokyo"}
        )
    evidence = decided.evidence.get()
    # Decided 9 Nov 2026 at 12:00 UTC: 21:00 in Tokyo.
    for expected in (
        decided.order.number,
        buyer.username,
        mediator.username,  # "Decided by"
        decided.store.name,
        decided.store.owner.username,
        "The lid arrived cracked in two.",
        "It left our warehouse intact.",
        "The photo shows a crack; the item still works.",
        "The lid is broken, see photo.",
        evidence.original_name,
        evidence.sha256,
        str(evidence.size),
        "9 Nov 2026, 21:00",
        "Asia/Tokyo",
        "data:image/jpeg;base64,",
    ):
        assert escape(expected) in html, expected
    assert len(dossier.proposals) >= 3  # request, rejection, decision


def test_a_party_gets_display_copies_and_a_manifest_of_every_file(client, decided, buyer, tmp_path):
    response = download(client, buyer, decided, "zip")

    assert response.status_code == 200
    zipped = zipfile.ZipFile(io.BytesIO(body(response)))
    manifest = json.loads(zipped.read("manifest.json"))
    evidence = decided.evidence.get()
    [photo] = [entry for entry in manifest["files"] if entry["path"].startswith("evidence/")]
    assert photo["copy"] == "display"
    assert photo["original_sha256"] == evidence.sha256
    with evidence.display.open("rb") as display:
        assert zipped.read(photo["path"]) == display.read()
    for entry in manifest["files"]:
        content = zipped.read(entry["path"])
        assert (len(content), hashlib.sha256(content).hexdigest()) == (entry["size"], entry["sha256"])
    assert zipped.read("dossier.pdf").startswith(b"%PDF-")
    assert manifest["generated_for"] == "buyer"
    assert (
        f'filename="dossier-{decided.reference}-{decided.order.number}.zip"'
        in response["Content-Disposition"]
    )


def test_a_mediator_gets_the_originals_byte_for_byte(client, decided, mediator):
    response = download(client, mediator, decided, "zip")

    zipped = zipfile.ZipFile(io.BytesIO(body(response)))
    manifest = json.loads(zipped.read("manifest.json"))
    evidence = decided.evidence.get()
    [photo] = [entry for entry in manifest["files"] if entry["path"].startswith("evidence/")]
    assert (photo["copy"], photo["sha256"], photo["size"]) == ("original", evidence.sha256, evidence.size)
    assert manifest["evidence"] == "originals"


def save(tmp_path, content: bytes, name="dossier.zip"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def with_one_byte_changed(content: bytes, member: str) -> bytes:
    """The same ZIP with one byte of ``member`` flipped, everything else (manifest too) kept."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == member:
                data = data[:100] + bytes([data[100] ^ 0x01]) + data[101:]
            target.writestr(info, data)
    return out.getvalue()


def test_verify_dossier_passes_an_intact_dossier(client, decided, buyer, tmp_path, capsys):
    path = save(tmp_path, body(download(client, buyer, decided, "zip")))

    call_command("verify_dossier", str(path))

    assert "OK" in capsys.readouterr().out


def test_one_changed_byte_in_an_evidence_file_fails_both_checks(client, decided, mediator, tmp_path):
    content = body(download(client, mediator, decided, "zip"))
    member = next(n for n in zipfile.ZipFile(io.BytesIO(content)).namelist() if n.startswith("evidence/"))
    path = save(tmp_path, with_one_byte_changed(content, member))

    with pytest.raises(CommandError):
        call_command("verify_dossier", str(path))
    problems = archive.verify_archive(path)
    assert len(problems) == 1 and problems[0].startswith(f"{member}: SHA-256")

    # The script packed in the ZIP says the same, with nothing but Python's standard library.
    script = tmp_path / "verify_dossier.py"
    script.write_bytes(zipfile.ZipFile(path).read("verify_dossier.py"))
    run = subprocess.run([sys.executable, "-I", str(script), str(path)], capture_output=True, text=True)
    assert run.returncode == 1 and f"ALTERED  {member}" in run.stdout
    intact = save(tmp_path, content, "intact.zip")
    run = subprocess.run([sys.executable, "-I", str(script), str(intact)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout


def test_a_rewritten_manifest_is_caught_by_the_portals_signature(client, decided, mediator, tmp_path):
    content = body(download(client, mediator, decided, "zip"))
    source = zipfile.ZipFile(io.BytesIO(content))
    manifest = json.loads(source.read("manifest.json"))
    manifest["files"] = [entry for entry in manifest["files"] if entry["path"] == "dossier.pdf"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if not name.startswith("evidence/"):
                target.writestr(name, json.dumps(manifest) if name == "manifest.json" else source.read(name))
    path = save(tmp_path, out.getvalue())

    assert archive.verify_archive(path) == [
        "manifest.json was not signed by this portal (or was changed after signing)"
    ]


def test_an_added_file_is_reported(client, decided, buyer, tmp_path):
    content = body(download(client, buyer, decided, "zip"))
    out = io.BytesIO(content)
    with zipfile.ZipFile(out, "a") as target:
        target.writestr("evidence/99-extra.jpg", b"not in the manifest")
    problems = archive.verify_archive(save(tmp_path, out.getvalue()))
    assert problems == ["evidence/99-extra.jpg: in the ZIP but not in the manifest"]


@pytest.mark.parametrize("kind", ["pdf", "zip"])
def test_another_users_dossier_is_a_404(client, decided, other_buyer, kind):
    assert download(client, other_buyer, decided, kind).status_code == 404


@pytest.mark.parametrize("kind", ["pdf", "zip"])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, decided, kind):
    response = client.get(reverse(f"disputes:dossier_{kind}", args=[decided.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_seller_may_download_the_dossier_of_their_case(client, decided, seller):
    assert download(client, seller, decided, "zip").status_code == 200


def test_both_pages_link_the_dossier(client, decided, buyer, mediator):
    client.force_login(buyer)
    page = client.get(reverse("disputes:detail", args=[decided.pk])).content.decode()
    assert reverse("disputes:dossier_zip", args=[decided.pk]) in page
    client.force_login(mediator)
    case = client.get(reverse("admin:disputes_dispute_change", args=[decided.pk])).content.decode()
    assert reverse("disputes:dossier_pdf", args=[decided.pk]) in case


def test_rendering_a_dossier_leaves_pillow_refusing_truncated_images(decided, buyer):
    """WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on when imported; the upload checks need
    it off, so that a truncated photo is refused."""
    from disputes.dossier.contents import dossier_for
    from portal.uploads import check_upload
    from tests.portal.test_uploads import LIMITS, truncated_jpeg, upload

    pdf.render_pdf(dossier_for(dispute=decided, reader=buyer, now=decided.closed_at))

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(ValidationError, match="damaged"):
        check_upload(upload(truncated_jpeg(), "cut.jpg"), **LIMITS)


def test_the_dossier_explains_what_the_clock_decided(order, now, django_capture_on_commit_callbacks):
    from django.template.loader import render_to_string

    from disputes.dossier.contents import dossier_for
    from portal.deadlines import enforce_all

    ship(order, at=now + DAY)
    deliver(order, at=now + 4 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        dispute = open_dispute_for(order, at=now + 5 * DAY)
        enforce_all(now=dispute.deadline_at)
    dispute.refresh_from_db()

    dossier = dossier_for(dispute=dispute, reader=dispute.buyer, now=dispute.closed_at)
    html = render_to_string("disputes/dossier.html", {"dossier": dossier, "dispute": dispute, "zone": "UTC"})

    assert "Decided automatically: the seller did not respond by" in html
    assert (
        escape(
            "Rule: the seller answers within 15 days, or the buyer's request is accepted as asked. "
            "Deadline: 21 Nov 2026, 12:00. The deadline started with “Dispute opened” on 6 Nov 2026, 12:00."
        )
        in html
    )


def test_downloads_past_the_hourly_allowance_are_refused_with_429(
    client, decided, buyer, settings, monkeypatch
):
    from disputes import policy

    monkeypatch.setattr(policy, "MAX_DOSSIERS_PER_WINDOW", 2)
    assert download(client, buyer, decided, "pdf").status_code == 200
    assert download(client, buyer, decided, "zip").status_code == 200

    refused = download(client, buyer, decided, "pdf")

    assert refused.status_code == 429
    assert "You have downloaded 2 case dossiers this hour" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0


def test_the_dossier_shows_a_decision_line_by_line_and_its_final_appeal(order, buyer, seller, mediator, now):
    from django.template.loader import render_to_string

    from disputes.dossier.contents import dossier_for
    from disputes.models import LineRuling
    from tests.factories import evidence_files, mediator_user

    ship(order, at=now + DAY)
    dispute = open_dispute_for(order, at=now + 8 * DAY, reason="damaged", amount=Decimal("60.00"))
    services.reject_request(dispute=dispute, seller=seller, note="Fine", evidence=[], now=now + 9 * DAY)
    services.escalate_dispute(dispute=dispute, user=buyer, note="Broken", now=now + 10 * DAY)
    earbuds, cases = order.items.order_by("id")
    dispute = services.decide_dispute_by_lines(
        dispute=dispute,
        mediator=mediator,
        lines=[
            services.LineDecision(earbuds.pk, LineRuling.Remedy.REFUND, Decimal("40.00")),
            services.LineDecision(cases.pk, LineRuling.Remedy.NOTHING),
        ],
        note="Earbuds cracked; cases fine",
        now=now + 12 * DAY,
    )
    appeal = services.file_appeal(
        dispute=dispute,
        user=buyer,
        reason="The cases were scratched too.",
        files=evidence_files("scratches.jpg"),
        now=now + 13 * DAY,
    )
    services.answer_appeal(appeal=appeal, user=seller, text="They left us new.", files=[], now=now + 14 * DAY)
    second = mediator_user(username="nick_second")
    services.assign_appeal(appeal=appeal, mediator=second, now=now + 15 * DAY)
    services.decide_appeal(
        appeal=appeal,
        mediator=second,
        decision=services.AppealDecision.FULL_REFUND,
        amount=None,
        note="The new photo shows the scratches.",
        now=now + 16 * DAY,
    )
    dispute.refresh_from_db()

    dossier = dossier_for(dispute=dispute, reader=buyer, now=now + 17 * DAY)
    html = render_to_string("disputes/dossier.html", {"dossier": dossier, "dispute": dispute, "zone": "UTC"})

    assert [r.line_item for r in dossier.line_rulings["line_rulings"]] == [earbuds, cases]
    assert 'data-section="line-rulings"' in html and "40.00 USD" in html
    assert 'data-section="appeal"' in html
    for expected in (
        "The cases were scratched too.",
        "They left us new.",
        "The new photo shows the scratches.",
        "nick_second",
    ):
        assert escape(expected) in html, expected
