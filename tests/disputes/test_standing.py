"""The buyer's wins in a row and the flag, as closed disputes count on them: the sweep counts a
whole group of outcomes at once, and that must equal counting them one by one."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disputes import policy
from disputes.models import BuyerStanding
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FLAG = policy.WINS_IN_A_ROW_FLAG


def counted_one_by_one(start: tuple[int, bool] | None, wins: list[bool]) -> tuple[int, bool]:
    """The rule as written in the SPEC, one outcome at a time."""
    in_a_row, flagged = start or (0, False)
    for won in wins:
        in_a_row = in_a_row + 1 if won else 0
        flagged = flagged or in_a_row >= FLAG
    return in_a_row, flagged


def test_a_buyers_first_win_creates_their_standing(buyer):
    BuyerStanding.objects.record_outcomes([(buyer.pk, True)])

    standing = BuyerStanding.objects.get(buyer=buyer)
    assert (standing.wins_in_a_row, standing.flagged) == (1, FLAG <= 1)


def test_wins_in_a_row_reaching_the_policy_flag_the_buyer_and_a_loss_does_not_unflag_them(buyer):
    BuyerStanding.objects.record_outcomes([(buyer.pk, True)] * (FLAG - 1))
    assert not BuyerStanding.objects.get(buyer=buyer).flagged

    BuyerStanding.objects.record_outcomes([(buyer.pk, True), (buyer.pk, False)])

    standing = BuyerStanding.objects.get(buyer=buyer)
    assert (standing.wins_in_a_row, standing.flagged) == (0, True)


def test_a_group_of_outcomes_counts_each_buyers_in_order(buyer, other_buyer):
    BuyerStanding.objects.record_outcomes(
        [
            (buyer.pk, True),
            (other_buyer.pk, False),
            (buyer.pk, False),
            (buyer.pk, True),
            (other_buyer.pk, True),
        ]
    )

    assert BuyerStanding.objects.get(buyer=buyer).wins_in_a_row == 1
    assert BuyerStanding.objects.get(buyer=other_buyer).wins_in_a_row == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    starts=st.lists(
        st.one_of(st.none(), st.tuples(st.integers(0, FLAG + 1), st.booleans())), min_size=3, max_size=3
    ),
    outcomes=st.lists(st.tuples(st.integers(0, 2), st.booleans()), max_size=12),
)
def test_counting_a_group_at_once_equals_counting_each_outcome_in_turn(starts, outcomes):
    buyers = UserFactory.create_batch(3)
    for person, start in zip(buyers, starts, strict=True):
        if start is not None:
            BuyerStanding.objects.create(
                buyer=person, wins_in_a_row=start[0], flagged=start[1] or start[0] >= FLAG
            )

    BuyerStanding.objects.record_outcomes([(buyers[index].pk, won) for index, won in outcomes])

    for index, (person, start) in enumerate(zip(buyers, starts, strict=True)):
        wins = [won for who, won in outcomes if who == index]
        standing = BuyerStanding.objects.filter(buyer=person).first()
        if not wins:
            assert (standing is None) == (start is None)
            continue
        begin = None if start is None else (start[0], start[1] or start[0] >= FLAG)
        assert (standing.wins_in_a_row, standing.flagged) == counted_one_by_one(begin, wins)
