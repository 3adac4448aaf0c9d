"""The appeal on the dispute's own page (issue 15, "the words match the state"): its events on the
dispute's timeline in order with the dispute's, and a state badge that says the case is under
appeal while it is, then the appeal's final result."""

import re
from datetime import timedelta

import pytest

from disputes import services
from disputes.appeal_timeline import appeal_terms_label
from disputes.models import Appeal
from tests.disputes import test_appeal_pages
from tests.factories import evidence_files, mediator_user

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
# The appeal pages' fixtures: a dispute a mediator decided against the buyer, and when.
decided_at = test_appeal_pages.decided_at
lost_by_buyer = test_appeal_pages.lost_by_buyer
page = test_appeal_pages.page


def timeline_items(html: str) -> list[str]:
    """The timeline's entries as text (what happened, when and by whom, the note), top to bottom."""
    timeline = html.split('id="timeline-heading"', 1)[1].split("</ol>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r"<li[^>]*>(.*?)</li>", timeline, re.S)
    ]


def timeline_lines(html: str) -> list[str]:
    """The timeline's lines (each entry's first row), top to bottom."""
    timeline = html.split('id="timeline-heading"', 1)[1].split("</ol>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", line).split())
        for line in re.findall(r'<div class="fw-semibold">(.*?)</div>', timeline)
    ]


def badge(html: str) -> str:
    return " ".join(
        re.sub(
            r"<[^>]+>",
            " ",
            re.search(r'<span class="badge state-badge[^"]*"[^>]*>(.*?)</span>', html).group(1),
        ).split()
    )


@pytest.fixture
def appealed(lost_by_buyer, buyer, decided_at):
    return services.file_appeal(
        dispute=lost_by_buyer,
        user=buyer,
        reason="Empty box",
        files=evidence_files("a.jpg"),
        now=decided_at + DAY,
    )


def test_while_the_appeal_runs_the_badge_says_so_and_the_timeline_shows_the_filing_last(
    client,
    buyer,
    seller,
    lost_by_buyer,
    appealed,
    decided_at,
    time_machine,
):
    time_machine.move_to(decided_at + 2 * DAY, tick=False)

    for user in (buyer, seller):
        html = page(client, user, lost_by_buyer)
        assert badge(html) == "Resolved for the seller · Under appeal"
        lines = timeline_lines(html)
        assert lines[-1] == "Appeal filed"
        assert any(line.startswith("Dispute opened") for line in lines[:-1])
        words = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        assert "This outcome is under appeal" in words.replace("&#x27;", "'")
        assert "This case is closed." not in words
    assert appeal_terms_label(appealed) == "Decided terms (under appeal)"


def test_after_the_appeal_is_decided_the_timeline_has_every_step_in_order_and_the_badge_the_result(
    client,
    buyer,
    seller,
    lost_by_buyer,
    appealed,
    decided_at,
    time_machine,
):
    services.answer_appeal(
        appeal=appealed, user=seller, text="It was full", files=[], now=decided_at + 2 * DAY
    )
    services.decide_appeal(
        appeal=appealed,
        mediator=mediator_user(),
        decision=services.AppealDecision.FULL_REFUND,
        amount=None,
        note="The scale photo shows 40 g",
        now=decided_at + 3 * DAY,
    )
    time_machine.move_to(decided_at + 4 * DAY, tick=False)

    html = page(client, buyer, lost_by_buyer)
    lines = timeline_lines(html)
    filed, answered = lines.index("Appeal filed"), lines.index("Appeal answered")
    decided = next(i for i, line in enumerate(lines) if line == "Appeal decided")
    decision = next(i for i, line in enumerate(lines) if "mediator" in line.lower() and i < filed)
    assert decision < filed < answered < decided
    items = timeline_items(html)
    assert "the difference of 60.00 USD is refunded to the buyer" in items[decided]
    assert "The scale photo shows 40 g" in items[decided]
    assert "(buyer)" in items[filed] and "(seller)" in items[answered]
    assert badge(html) == "Changed in the buyer&#x27;s favour · Appeal decided"
    assert "It was full" in html
    assert "This case is closed." in html
    assert (
        appeal_terms_label(Appeal.objects.get(pk=appealed.pk)) == "First decision's terms (changed on appeal)"
    )


def test_a_dispute_without_an_appeal_keeps_its_own_badge(
    client, buyer, lost_by_buyer, decided_at, time_machine
):
    time_machine.move_to(decided_at + DAY, tick=False)

    html = page(client, buyer, lost_by_buyer)

    assert badge(html) == "Resolved for the seller"
    assert not any("Appeal" in line for line in timeline_lines(html))
