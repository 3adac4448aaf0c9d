"""The demo's disputes: one story per state a dispute can be in, each on an order of its own,
with who did what how many days ago. The order's own chapter (paid, shipped, delivered) is an
``orders.demo`` story that ends shortly before the dispute opens."""

from dataclasses import dataclass, field

from disputes.models import Dispute
from disputes.roles import Party
from disputes.services import Decision
from orders.demo.stories import Story
from orders.models import Carrier, Order

R = Dispute.Reason
S = Dispute.State


@dataclass(frozen=True)
class Step:
    """One thing someone did in a dispute (or its order's chat), ``days_ago`` before now.

    ``verb`` names the service (see ``disputes.demo.loader.VERBS``); ``photos`` are captions of
    generated evidence photos sent with it.
    """

    days_ago: float
    verb: str
    note: str = ""
    amount: str | None = None
    with_return: bool = False
    decision: str = ""
    party: str = ""
    photos: tuple[str, ...] = ()


@dataclass(frozen=True)
class DisputeStory:
    """A dispute over the whole of a delivered order, from its opening to where it stands now."""

    buyer: str
    store: str
    items: tuple[tuple[str, int], ...]
    opened: float
    reason: str
    description: str
    expect: str
    #: ``None`` asks for a full refund.
    amount: str | None = None
    with_return: bool = False
    photos: tuple[str, ...] = ()
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def order_story(self) -> Story:
        """The order's chapter: delivered a day before the dispute opens, within protection."""
        return Story(
            self.buyer,
            self.store,
            self.items,
            paid=self.opened + 9,
            carrier=Carrier.DHL,
            shipped=self.opened + 7.5,
            delivered=self.opened + 1,
            expect=Order.State.DELIVERED,
        )


MEDIATOR = "maria_mediator"

DISPUTE_STORIES = [
    # The seller must answer (Lin, then Ana).
    DisputeStory(
        "jack_buyer",
        "lin",
        (("earbuds", 1),),
        opened=1.5,
        reason=R.DOES_NOT_WORK,
        description="The left earbud does not charge: its light never comes on in the case.",
        with_return=True,
        photos=("Left earbud: no light in the case",),
        expect=S.AWAITING_SELLER,
        steps=(
            Step(2.4, "buyer_writes", "Hi, the left earbud will not charge. Is there a reset?"),
            Step(2.2, "seller_writes", "Hold both buttons for 10 s in the case, please."),
            Step(1.8, "buyer_writes", "Tried it twice, still dead. I will open a return."),
        ),
    ),
    DisputeStory(
        "olga_buyer",
        "ana",
        (("tote", 1),),
        opened=0.8,
        reason=R.DAMAGED,
        description="The strap is torn where it is stitched to the bag.",
        amount="2500.00",
        photos=("Torn strap seam", "Parcel as delivered"),
        expect=S.AWAITING_SELLER,
    ),
    # The buyer answers a counter-offer (Olga).
    DisputeStory(
        "olga_buyer",
        "lin",
        (("keyboard", 1),),
        opened=4.0,
        reason=R.NOT_AS_DESCRIBED,
        description="The listing said Russian layout; the keycaps are US only.",
        with_return=True,
        photos=("Keycaps: US layout only",),
        expect=S.AWAITING_BUYER,
        steps=(
            Step(
                2.0,
                "counter_offer",
                "Keep the keyboard and get 1500 RUB back for stickers: a return to China costs you weeks.",
                amount="1500.00",
            ),
        ),
    ),
    # The buyer ships the return (Jack).
    DisputeStory(
        "jack_buyer",
        "lin",
        (("charger", 1),),
        opened=5.0,
        reason=R.WRONG_ITEM,
        description="I ordered the 65 W charger and received a 20 W one.",
        with_return=True,
        photos=("Label says 20 W",),
        expect=S.AWAITING_RETURN,
        steps=(Step(3.0, "accept_request"),),
    ),
    # The seller confirms the return arrived (Lin).
    DisputeStory(
        "mei_buyer",
        "lin",
        (("lamp", 1),),
        opened=10.0,
        reason=R.WRONG_SIZE_COLOUR,
        description="I ordered the white lamp and received a black one.",
        with_return=True,
        photos=("Black lamp instead of white",),
        expect=S.RETURN_IN_TRANSIT,
        steps=(
            Step(8.0, "accept_request"),
            Step(5.0, "ship_return"),
            Step(4.5, "buyer_writes", "Sent back today with La Poste, tracking is in the dispute."),
        ),
    ),
    # Evidence requested from the buyer by the mediator (Mei answers).
    DisputeStory(
        "mei_buyer",
        "ana",
        (("cardholder", 1),),
        opened=9.0,
        reason=R.DAMAGED,
        description="The card holder arrived scratched across the front.",
        photos=("Scratch across the front",),
        expect=S.EVIDENCE_REQUESTED,
        steps=(
            Step(
                7.0,
                "reject_request",
                "It left the workshop flawless, wrapped in tissue and bubble wrap.",
                photos=("Packed in the workshop",),
            ),
            Step(6.0, "escalate", "The photo shows the damage; the seller will not help."),
            Step(2.0, "assign"),
            Step(
                1.0,
                "request_evidence",
                "Please send a photo of the outer box and its label, as it arrived.",
                party=Party.BUYER,
            ),
            Step(0.9, "mediator_writes", "Once the box photo is in, I will decide within two days."),
        ),
    ),
    # Waiting in the mediator's queue: a new case, and an overdue one.
    DisputeStory(
        "jack_buyer",
        "ana",
        (("wallet", 1),),
        opened=4.0,
        reason=R.NOT_AS_DESCRIBED,
        description="The engraving reads 'J.M.L' instead of 'J.M.M.'.",
        amount="30.00",
        photos=("Engraving with the wrong initials",),
        expect=S.IN_MEDIATION,
        steps=(
            Step(3.0, "counter_offer", "I can refund 10 USD; the engraving matches the order form.", "10.00"),
            Step(0.7, "escalate", "The order form says J.M.M.; 10 USD does not fix a wrong engraving."),
        ),
    ),
    DisputeStory(
        "olga_buyer",
        "lin",
        (("ssd", 1),),
        opened=11.0,
        reason=R.MISSING_PARTS,
        description="The box had no USB-C cable, which the listing includes.",
        amount="790.00",
        photos=("Box contents: no cable",),
        expect=S.IN_MEDIATION,
        steps=(
            Step(10.0, "reject_request", "Every SSD is weighed before shipping; the cable was in the box."),
            Step(7.5, "escalate", "The photo shows the box as opened."),
        ),
    ),
    # Decided by the mediator: a full refund, a partial one, and for the seller; two appealed,
    # one waiting for the other party's answer, one for a second mediator.
    DisputeStory(
        "mei_buyer",
        "lin",
        (("earbuds", 1),),
        opened=18.0,
        reason=R.DOES_NOT_WORK,
        description="Neither earbud pairs with any phone.",
        photos=("Pairing mode: no light",),
        expect=S.RESOLVED_BUYER,
        steps=(
            Step(16.0, "reject_request", "They were tested before shipping. Please reset them."),
            Step(15.0, "escalate", "Reset does not help; the video shows it."),
            Step(6.0, "assign"),
            Step(
                4.0,
                "decide",
                "The photos show no pairing light after a reset; the seller offered no test record.",
                decision=Decision.FULL_REFUND,
            ),
            Step(
                2.0,
                "appeal",
                "Our test log shows both earbuds paired before packing.",
                party=Party.SELLER,
                photos=("Pairing test log",),
            ),
        ),
    ),
    DisputeStory(
        "jack_buyer",
        "lin",
        (("lamp", 1),),
        opened=30.0,
        reason=R.DAMAGED,
        description="The lamp's base is cracked; the light still works.",
        photos=("Cracked base",),
        expect=S.RESOLVED_BUYER,
        steps=(
            Step(28.0, "counter_offer", "The lamp works: I can refund 8 USD.", amount="8.00"),
            Step(27.0, "escalate", "A cracked base is not a small flaw."),
            Step(24.0, "assign"),
            Step(
                23.0,
                "decide",
                "The lamp works but the base is visibly cracked: half the price is fair.",
                amount="15.00",
                decision=Decision.PARTIAL_REFUND,
            ),
        ),
    ),
    DisputeStory(
        "olga_buyer",
        "ana",
        (("strap", 1),),
        opened=17.0,
        reason=R.NOT_AS_DESCRIBED,
        description="The strap is lighter brown than in the photos.",
        photos=("Strap colour in daylight",),
        expect=S.RESOLVED_SELLER,
        steps=(
            Step(
                15.0,
                "reject_request",
                "The listing says natural leather varies in shade.",
                photos=("Listing photo beside the strap",),
            ),
            Step(14.0, "escalate", "The colour is clearly different."),
            Step(12.0, "assign"),
            Step(
                10.0,
                "decide",
                "The listing warns that the shade varies, and the difference is slight: no refund.",
                decision=Decision.REJECT,
            ),
            Step(
                8.0,
                "appeal",
                "In daylight the strap is tan, the listing shows dark brown: not a slight difference.",
                party=Party.BUYER,
                photos=("Strap beside the listing, daylight",),
            ),
            Step(7.0, "answer_appeal", "Both photos show the same leather; shades vary.", party=Party.SELLER),
        ),
    ),
    # Withdrawn by the buyer after a counter-offer.
    DisputeStory(
        "jack_buyer",
        "ana",
        (("cardholder", 1),),
        opened=9.0,
        reason=R.WRONG_SIZE_COLOUR,
        description="It is tan, not the dark brown I chose.",
        photos=("Tan card holder",),
        expect=S.WITHDRAWN,
        steps=(
            Step(8.0, "counter_offer", "Dark brown was sold out; I can refund 5 USD.", amount="5.00"),
            Step(7.0, "buyer_writes", "The tan one grew on me, I will keep it as it is."),
            Step(6.5, "withdraw"),
        ),
    ),
    # Closed by the clock: the seller never answered, so the buyer's request was granted.
    DisputeStory(
        "mei_buyer",
        "lin",
        (("charger", 1),),
        opened=19.0,
        reason=R.MISSING_PARTS,
        description="The charger came without its cable.",
        amount="8.00",
        photos=("Charger without cable",),
        expect=S.RESOLVED_BUYER,
    ),
]
