"""The demo's cast and its stories: who the people are, their stores, what they buy, and how
many days ago each order was paid, shipped, delivered and confirmed."""

from dataclasses import dataclass

from orders.models import Carrier, Order, Store

PASSWORD = "demo-pass-2026"
ORDER_NUMBER_PREFIX = "AE-7"


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    first_name: str
    last_name: str
    time_zone: str
    language: str = "en"


PEOPLE = [
    Person("admin", "superuser", "Ada", "Admin", "UTC"),
    Person("maria_mediator", "mediator", "Maria", "Santos", "Europe/Lisbon"),
    Person("lin_seller", "seller", "Lin", "Wei", "Asia/Shanghai"),
    Person("ana_seller", "seller", "Ana", "Kowalska", "Europe/Warsaw"),
    Person("olga_buyer", "buyer", "Olga", "Petrova", "Europe/Moscow", "ru"),
    Person("jack_buyer", "buyer", "Jack", "Miller", "America/New_York"),
    Person("mei_buyer", "buyer", "Mei", "Chen", "Asia/Shanghai"),
]


@dataclass(frozen=True)
class StoreSetup:
    owner: str
    name: str
    return_address: str
    policy: dict
    free_return_countries: list[str]


STORES = {
    "lin": StoreSetup(
        owner="lin_seller",
        name="Lin's Gadget Hub",
        return_address="Lin's Gadget Hub, Returns\nBuilding 5, 18 Keji Road, Nanshan\nShenzhen 518057, China",
        policy={
            "accepts_returns": True,
            "return_window_days": 30,
            "return_shipping_paid_by": Store.ReturnShippingPayer.SELLER,
        },
        free_return_countries=["US", "FR"],
    ),
    "ana": StoreSetup(
        owner="ana_seller",
        name="Atelier Ana - handmade leather",
        return_address="Atelier Ana\nul. Długa 12\n00-238 Warszawa, Poland",
        policy={
            "accepts_returns": False,
            "return_window_days": 14,
            "return_shipping_paid_by": Store.ReturnShippingPayer.BUYER,
        },
        free_return_countries=[],
    ),
}


@dataclass(frozen=True)
class Destination:
    country: str
    currency: str
    address: str


#: Where each buyer's parcels go, and the currency they pay in.
DESTINATIONS = {
    "olga_buyer": Destination("RU", "RUB", "Olga Petrova\nul. Tverskaya 7, kv. 12\nMoscow 125009, Russia"),
    "jack_buyer": Destination("US", "USD", "Jack Miller\n221 Atlantic Ave, Apt 4B\nBrooklyn, NY 11201, USA"),
    "mei_buyer": Destination("FR", "EUR", "Mei Chen\n14 rue de la République\n69002 Lyon, France"),
}


@dataclass(frozen=True)
class Product:
    title: str
    prices: dict[str, str]  # currency -> unit price
    personalised: bool = False


CATALOGUE = {
    "earbuds": Product("Wireless earbuds, noise cancelling", {"USD": "39.90", "EUR": "36.50", "RUB": "3490"}),
    "charger": Product("USB-C fast charger 65 W", {"USD": "24.99", "EUR": "22.90", "RUB": "1990"}),
    "case": Product("Clear phone case, iPhone 15", {"USD": "6.49", "EUR": "5.99", "RUB": "490"}),
    "band": Product("Silicone smart-watch band", {"USD": "4.99", "EUR": "4.59", "RUB": "390"}),
    "keyboard": Product("Mechanical keyboard, 68 keys", {"USD": "59.00", "EUR": "54.00", "RUB": "5290"}),
    "ssd": Product("Portable SSD 1 TB", {"USD": "89.00", "EUR": "82.00", "RUB": "7990"}),
    "lamp": Product("LED desk lamp with wireless charger", {"USD": "29.90", "EUR": "27.50", "RUB": "2690"}),
    "cable": Product("Braided USB-C cable 2 m", {"USD": "8.99", "EUR": "8.29", "RUB": "790"}),
    "wallet": Product(
        "Leather wallet, engraved initials", {"USD": "45.00", "EUR": "42.00", "RUB": "3990"}, True
    ),
    "cardholder": Product("Leather card holder", {"USD": "19.00", "EUR": "17.50", "RUB": "1690"}),
    "strap": Product("Leather watch strap, 20 mm", {"USD": "25.00", "EUR": "23.00", "RUB": "2190"}),
    "tote": Product("Handmade leather tote bag", {"USD": "79.00", "EUR": "72.00", "RUB": "6990"}),
    "keyring": Product("Leather keyring", {"USD": "7.50", "EUR": "6.90", "RUB": "650"}),
    "notebook": Product(
        "A5 notebook cover, personalised", {"USD": "32.00", "EUR": "29.50", "RUB": "2790"}, True
    ),
}

EXTENSION_NOTE = "Tracking has not moved for two weeks; the post office says the parcel is still in customs."


@dataclass(frozen=True)
class Story:
    """One demo order: who bought what, and how many days before now each step happened."""

    buyer: str
    store: str
    items: tuple[tuple[str, int], ...]
    paid: float
    expect: str
    carrier: str = ""
    shipped: float | None = None
    extension_asked: float | None = None
    extension_granted: float | None = None
    delivered: float | None = None
    confirmed: float | None = None


S = Order.State
C = Carrier
STORIES = [
    # Awaiting shipment; the last one is hours from being cancelled.
    Story("jack_buyer", "lin", (("earbuds", 1), ("cable", 2)), paid=0.2, expect=S.PAID),
    Story("olga_buyer", "ana", (("wallet", 1),), paid=2.5, expect=S.PAID),
    Story("mei_buyer", "lin", (("keyboard", 1),), paid=4.1, expect=S.PAID),
    Story("olga_buyer", "lin", (("charger", 1), ("case", 2)), paid=1.3, expect=S.PAID),
    Story("jack_buyer", "ana", (("tote", 1), ("keyring", 2)), paid=6.6, expect=S.PAID),
    # The seller missed the handling time: the sweep cancelled and refunded them.
    Story("mei_buyer", "ana", (("cardholder", 2),), paid=12.4, expect=S.CANCELLED),
    Story("olga_buyer", "lin", (("ssd", 1),), paid=25.0, expect=S.CANCELLED),
    Story("jack_buyer", "lin", (("lamp", 1),), paid=38.5, expect=S.CANCELLED),
    # In transit. Shipped six or more days ago: a "not received" dispute may be opened.
    Story("jack_buyer", "lin", (("band", 3),), paid=3.2, carrier=C.DHL, shipped=2.0, expect=S.SHIPPED),
    Story(
        "olga_buyer",
        "lin",
        (("earbuds", 1), ("case", 1)),
        paid=11.0,
        carrier=C.EMS,
        shipped=9.5,
        expect=S.SHIPPED,
    ),
    Story(
        "mei_buyer",
        "ana",
        (("strap", 2),),
        paid=33.0,
        carrier=C.CHINA_POST,
        shipped=31.0,
        extension_asked=1.0,
        expect=S.SHIPPED,
    ),
    Story(
        "olga_buyer",
        "ana",
        (("notebook", 1),),
        paid=24.0,
        carrier=C.HONGKONG_POST,
        shipped=22.5,
        expect=S.SHIPPED,
    ),
    Story(
        "jack_buyer",
        "lin",
        (("lamp", 1), ("cable", 1)),
        paid=36.0,
        carrier=C.OTHER_POST,
        shipped=34.0,
        extension_asked=8.0,
        extension_granted=7.0,
        expect=S.SHIPPED,
    ),
    Story(
        "mei_buyer", "lin", (("charger", 2),), paid=8.0, carrier=C.SF_EXPRESS, shipped=7.0, expect=S.SHIPPED
    ),
    Story("jack_buyer", "ana", (("cardholder", 1),), paid=5.0, carrier=C.UPS, shipped=4.2, expect=S.SHIPPED),
    # Delivered, protection still running: the buyer can confirm or open a dispute.
    Story(
        "olga_buyer",
        "lin",
        (("keyboard", 1),),
        paid=9.0,
        carrier=C.FEDEX,
        shipped=8.0,
        delivered=2.0,
        expect=S.DELIVERED,
    ),
    Story(
        "jack_buyer",
        "lin",
        (("ssd", 1), ("case", 1)),
        paid=7.0,
        carrier=C.DHL,
        shipped=6.5,
        delivered=0.5,
        expect=S.DELIVERED,
    ),
    Story(
        "mei_buyer",
        "lin",
        (("earbuds", 2),),
        paid=12.0,
        carrier=C.TNT,
        shipped=10.5,
        delivered=4.0,
        expect=S.DELIVERED,
    ),
    Story(
        "olga_buyer",
        "ana",
        (("tote", 1),),
        paid=16.0,
        carrier=C.EMS,
        shipped=15.0,
        delivered=3.1,
        expect=S.DELIVERED,
    ),
    Story(
        "jack_buyer",
        "ana",
        (("wallet", 1), ("keyring", 1)),
        paid=30.0,
        carrier=C.CHINA_POST,
        shipped=28.0,
        delivered=1.2,
        expect=S.DELIVERED,
    ),
    # Receipt confirmed (by the buyer or by the clock); the 15-day dispute window is still open.
    Story(
        "olga_buyer",
        "lin",
        (("band", 2), ("cable", 1)),
        paid=14.0,
        carrier=C.DHL,
        shipped=13.0,
        delivered=8.5,
        confirmed=8.0,
        expect=S.COMPLETED,
    ),
    Story(
        "jack_buyer",
        "lin",
        (("charger", 1),),
        paid=20.0,
        carrier=C.UPS,
        shipped=19.0,
        delivered=14.0,
        confirmed=13.5,
        expect=S.COMPLETED,
    ),
    Story(
        "mei_buyer",
        "ana",
        (("notebook", 1), ("keyring", 1)),
        paid=18.0,
        carrier=C.FEDEX,
        shipped=17.0,
        delivered=10.2,
        expect=S.COMPLETED,
    ),
    Story(
        "olga_buyer",
        "ana",
        (("cardholder", 1), ("strap", 1)),
        paid=22.0,
        carrier=C.SF_EXPRESS,
        shipped=21.0,
        delivered=15.0,
        confirmed=12.0,
        expect=S.COMPLETED,
    ),
    Story(
        "jack_buyer",
        "lin",
        (("keyboard", 1), ("band", 1)),
        paid=35.0,
        carrier=C.HONGKONG_POST,
        shipped=33.0,
        delivered=12.0,
        confirmed=11.0,
        expect=S.COMPLETED,
    ),
    Story("mei_buyer", "lin", (("lamp", 1),), paid=33.0, carrier=C.TNT, shipped=31.0, expect=S.COMPLETED),
    # Dispute window closed: the payment was released to the seller.
    Story(
        "olga_buyer",
        "lin",
        (("earbuds", 1),),
        paid=40.0,
        carrier=C.EMS,
        shipped=38.5,
        delivered=30.0,
        confirmed=29.0,
        expect=S.SETTLED,
    ),
    Story(
        "jack_buyer",
        "ana",
        (("strap", 1), ("keyring", 3)),
        paid=39.0,
        carrier=C.DHL,
        shipped=37.0,
        delivered=33.0,
        confirmed=32.5,
        expect=S.SETTLED,
    ),
    Story(
        "mei_buyer",
        "lin",
        (("ssd", 1),),
        paid=40.0,
        carrier=C.CHINA_POST,
        shipped=39.0,
        delivered=25.0,
        confirmed=24.0,
        expect=S.SETTLED,
    ),
    Story(
        "olga_buyer",
        "ana",
        (("tote", 1),),
        paid=38.0,
        carrier=C.OTHER_POST,
        shipped=36.0,
        delivered=28.0,
        expect=S.SETTLED,
    ),
    Story(
        "jack_buyer",
        "lin",
        (("case", 3), ("charger", 1)),
        paid=36.0,
        carrier=C.FEDEX,
        shipped=35.0,
        delivered=31.0,
        confirmed=30.8,
        expect=S.SETTLED,
    ),
]
