"""The evidence gallery's pages: the fragment the dispute page polls, and the full-size viewer."""

from datetime import timedelta
from decimal import Decimal

import pytest

from disputes import services
from disputes.forms import EvidenceForm
from disputes.models import Evidence
from tests.factories import evidence_files, open_dispute_for, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(order, now, t0, django_capture_on_commit_callbacks):
    shipped = ship(order, at=now + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        dispute = open_dispute_for(shipped, at=t0, amount=Decimal("60.00"))
        services.add_evidence(
            dispute=dispute, user=shipped.buyer, files=evidence_files("box.jpg"), note="", now=t0
        )
    return dispute


def gallery_url(dispute) -> str:
    return f"/disputes/{dispute.pk}/evidence/"


def test_the_gallery_fragment_says_when_nothing_is_processing_so_the_page_stops_polling(
    client, buyer, dispute
):
    client.force_login(buyer)
    response = client.get(gallery_url(dispute))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert 'data-processing=""' in response.content.decode()
    assert f"/evidence/{dispute.evidence.get().public_id}/thumb/" in response.content.decode()


def test_the_gallery_fragment_marks_evidence_still_processing(client, seller, dispute):
    Evidence.objects.filter(dispute=dispute).update(status=Evidence.Status.PROCESSING)
    client.force_login(seller)
    html = client.get(gallery_url(dispute)).content.decode()
    assert 'data-processing="true"' in html
    assert "Processing…" in html


def test_another_users_gallery_and_viewer_are_404(client, other_buyer, dispute):
    client.force_login(other_buyer)
    assert client.get(gallery_url(dispute)).status_code == 404
    assert client.get(f"/evidence/{dispute.evidence.get().public_id}/").status_code == 404


def test_the_gallery_and_viewer_need_a_login(client, dispute):
    assert client.get(gallery_url(dispute)).status_code == 302
    assert client.get(f"/evidence/{dispute.evidence.get().public_id}/").status_code == 302


def test_the_viewer_shows_the_photo_inside_the_site_with_a_way_back(client, buyer, dispute):
    item = dispute.evidence.get()
    client.force_login(buyer)
    html = client.get(f"/evidence/{item.public_id}/").content.decode()
    assert f'src="/evidence/{item.public_id}/display/"' in html
    assert f'href="/disputes/{dispute.pk}/"' in html


def test_the_upload_widget_carries_the_servers_limits_from_policy(settings):
    from disputes import policy

    html = str(EvidenceForm(action="/x/")["evidence"])
    assert f'data-max-files="{policy.MAX_EVIDENCE_FILES}"' in html
    assert f'data-max-photo-bytes="{policy.MAX_PHOTO_BYTES}"' in html
    assert f'data-max-video-bytes="{policy.MAX_VIDEO_BYTES}"' in html
    assert 'accept="image/jpeg,image/png,image/webp,video/mp4,video/quicktime,video/webm"' in html
