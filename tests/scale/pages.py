"""Every page buyers, sellers and mediators open, each with many distinct views: a different
viewer, or for the console a different list page, filter, search or case, so that no timed
response repeats one already served (the honest figure is the page as a new viewer gets it).

The catalogue picks its viewers from the data (recent disputes, the buyers and stores with the
most orders); picking runs before any timing.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from math import ceil

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse

from disputes.models import Appeal, BuyerStanding, Dispute
from disputes.selectors import INBOX_FILTERS
from messaging.models import Conversation
from orders.models import Order, Refund, Store
from portal.accounts.models import User
from portal.accounts.roles import MEDIATORS_GROUP
from portal.paging import CONSOLE_PAGE_SIZE, CappedPaginator

#: Rows per page of the site's lists (``orders.views.PAGE_SIZE``) and of the console's orders
#: (Django's default); the console's long lists show ``CONSOLE_PAGE_SIZE``.
SITE_PAGE_SIZE = 20
ADMIN_PAGE_SIZE = 100
#: The issue's targets (p95, ms): every buyer and seller page, every console page.
SITE_TARGET_MS = 50
ADMIN_TARGET_MS = 150
#: A page key's first word names its audience.
AUDIENCES = {"buyer": "buyers", "seller": "sellers", "admin": "mediators"}


@dataclass
class Page:
    """A page and its distinct views, ``(viewer, url)``; the first one warms the process up and
    is not timed."""

    key: str
    label: str
    subject: str
    views: list[tuple[User, str]] = field(default_factory=list)
    target_p95_ms: float = SITE_TARGET_MS

    @property
    def audience(self) -> str:
        """Who opens the page: "buyers", "sellers" or "mediators" (the console's ``admin_`` pages)."""
        return AUDIENCES[self.key.split("_", 1)[0]]


def pages_of(queryset, most: int, per_page: int = ADMIN_PAGE_SIZE) -> list[str]:
    """The console's page parameters for a list of ``queryset``'s rows: "p=2" on, as far as the
    list (capped at ``CappedPaginator.cap`` rows) goes, at most ``most`` of them."""
    rows = queryset.order_by()[: CappedPaginator.cap].count()
    return [f"p={n}" for n in range(2, min(ceil(rows / per_page), most) + 1)]


def distinct(values: Iterable, limit: int) -> list:
    seen: dict = {}
    for value in values:
        seen.setdefault(value, None)
        if len(seen) >= limit:
            break
    return list(seen)


class Catalogue:
    """The pages to measure, each with up to ``views`` distinct timed views (and one more first)."""

    def __init__(self, *, views: int) -> None:
        self.views = views
        self.disputes = list(
            Dispute.objects.order_by("-id").values_list("pk", "buyer_id", "store__owner_id", "order__number")[
                : views + 1
            ]
        )
        self.users = User.objects.in_bulk(
            [row[1] for row in self.disputes] + [row[2] for row in self.disputes] + self.heavy_buyers()
        )
        self.mediator = (
            User.objects.filter(groups__name=MEDIATORS_GROUP, is_staff=True, is_active=True)
            .order_by("id")
            .first()
        )

    def heavy_buyers(self) -> list[int]:
        """The buyers with the most orders, most first."""
        if not hasattr(self, "_heavy"):
            rows = Order.objects.values("buyer_id").annotate(n=Count("pk")).order_by("-n", "buyer_id")
            self._heavy = [(row["buyer_id"], row["n"]) for row in rows[: self.views + 1]]
        return [buyer for buyer, _n in self._heavy]

    def pages(self) -> list[Page]:
        pages = self.buyer_pages() + self.seller_pages()
        if self.mediator is not None:
            pages += self.console_pages()
        return [page for page in pages if len(page.views) >= 2]

    # --- buyers and sellers ---------------------------------------------------------------------
    def buyer_pages(self) -> list[Page]:
        buyers = [self.users[buyer] for buyer in distinct((row[1] for row in self.disputes), self.views + 1)]
        heavy = self.heavy_buyers()
        self.users.update(User.objects.in_bulk(heavy))
        most = self._heavy[0][1] if self._heavy else 0
        orders_url = reverse("orders:list")
        # The oldest page, as the list's "Oldest" link reaches it (keyset pagination, no OFFSET).
        last = [(self.users[buyer], f"{orders_url}?page=last") for buyer, _n in self._heavy]
        filters = list(INBOX_FILTERS)
        return [
            Page(
                "buyer_orders",
                "Buyer: orders list",
                "first page, many buyers",
                [(b, orders_url) for b in buyers],
            ),
            Page("buyer_orders_last", "Buyer: orders, last page", f"buyers with up to {most:,} orders", last),
            Page(
                "buyer_order",
                "Buyer: order page",
                "disputed orders",
                [(self.users[row[1]], reverse("orders:detail", args=[row[3]])) for row in self.disputes],
            ),
            Page(
                "buyer_inbox",
                "Buyer: dispute inbox",
                "every filter, many buyers",
                [
                    (buyer, f"{reverse('disputes:list')}?state={filters[index % len(filters)]}")
                    for index, buyer in enumerate(buyers)
                ],
            ),
            Page(
                "buyer_dispute",
                "Buyer: dispute page",
                "recent disputes, each by its buyer",
                [(self.users[row[1]], reverse("disputes:detail", args=[row[0]])) for row in self.disputes],
            ),
            Page(
                "buyer_messages",
                "Buyer: messages inbox",
                "many buyers",
                [(b, reverse("messaging:inbox")) for b in buyers],
            ),
            Page(
                "buyer_conversation",
                "Buyer: conversation",
                "recent conversations, each by its buyer",
                self.conversations(),
            ),
            self.store_records(buyers),
        ]

    def conversations(self) -> list[tuple[User, str]]:
        rows = list(
            Conversation.objects.order_by("-id").values_list("buyer_id", "order__number")[: self.views + 1]
        )
        people = User.objects.in_bulk([buyer for buyer, _number in rows])
        return [(people[buyer], reverse("messaging:conversation", args=[number])) for buyer, number in rows]

    def biggest_stores(self) -> list[tuple[int, int, int]]:
        """``(store, owner, orders)`` of the stores with the most orders, most first."""
        if not hasattr(self, "_stores"):
            self._stores = list(
                Store.objects.annotate(n=Count("orders"))
                .order_by("-n", "id")
                .values_list("pk", "owner_id", "n")[: self.views + 1]
            )
        return self._stores

    def store_records(self, buyers: list[User]) -> Page:
        """The public page of the biggest stores (the record buyers weigh), each by another buyer."""
        stores = self.biggest_stores()
        most = stores[0][2] if stores else 0
        return Page(
            "buyer_store_record",
            "Buyer: a store's public record",
            f"stores with up to {most:,} orders",
            [
                (buyers[index % len(buyers)], reverse("disputes:store_record", args=[store]))
                for index, (store, _owner, _n) in enumerate(stores)
            ],
        )

    def seller_pages(self) -> list[Page]:
        stores = [(owner, n) for _store, owner, n in self.biggest_stores()]
        owners = User.objects.in_bulk([owner for owner, _n in stores])
        sellers = [owners[owner] for owner, _n in stores]
        orders_url = reverse("orders:seller_list")
        filters = list(INBOX_FILTERS)
        most = stores[0][1] if stores else 0
        return [
            Page(
                "seller_orders",
                "Seller: orders list",
                "first page, many sellers",
                [(s, orders_url) for s in sellers],
            ),
            Page(
                "seller_orders_last",
                "Seller: orders, last page",
                f"stores with up to {most:,} orders",
                [(owners[owner], f"{orders_url}?tab=completed&page=last") for owner, _n in stores],
            ),
            Page(
                "seller_inbox",
                "Seller: dispute inbox",
                "every filter, many sellers",
                [
                    (seller, f"{reverse('disputes:seller_list')}?state={filters[index % len(filters)]}")
                    for index, seller in enumerate(sellers)
                ],
            ),
            Page(
                "seller_dispute",
                "Seller: dispute page",
                "recent disputes, each by its seller",
                [(self.users[row[2]], reverse("disputes:detail", args=[row[0]])) for row in self.disputes],
            ),
            Page(
                "seller_record",
                "Seller: own record",
                f"stores with up to {most:,} orders",
                [(seller, reverse("disputes:seller_record")) for seller in sellers],
            ),
        ]

    # --- the console ----------------------------------------------------------------------------
    def console_pages(self) -> list[Page]:
        queue = reverse("admin:disputes_dispute_changelist")
        orders = reverse("admin:orders_order_changelist")
        conversations = reverse("admin:messaging_conversation_changelist")
        filters = [
            "",
            "overdue=yes",
            "overdue=no",
            "assigned=nobody",
            "assigned=me",
            "flagged=yes",
            "flagged=no",
            "reason=not_received",
            "reason=not_as_described",
            "order__ship_to_country=FR",
            "order__ship_to_country=US",
            "amount=USD:25-100",
            "amount=EUR:-25",
            "amount=RUB:10000-50000",
        ]
        states = ["all", "closed", "open", *Dispute.State.values]
        wide = [f"state={state}" for state in states] + [
            f"state=all&{page}" for page in pages_of(Dispute.objects.all(), self.views, CONSOLE_PAGE_SIZE)
        ]
        terms = [f"D-{row[0]}" for row in self.disputes[::3]] + [str(row[0]) for row in self.disputes[1::3]]
        terms += [row[3] for row in self.disputes[2::3]] + [row[3][:-2] for row in self.disputes[::5]]
        terms += [self.users[row[1]].username[:5] for row in self.disputes[1::4]]
        terms += [self.users[row[1]].email[:6] for row in self.disputes[2::4]] + [
            f"nobody-{n}" for n in range(10)
        ]
        order_terms = [row[3] for row in self.disputes[::2]] + [
            self.users[row[1]].email[:7] for row in self.disputes[1::2]
        ]
        order_terms += [f"no-such-order-{n}" for n in range(10)]
        order_filters = [f"state={state}" for state in Order.State.values] + [
            "ship_to_country=FR",
            "ship_to_country=RU",
            "on_hold__exact=1",
            "payment_method__exact=card",
        ]
        order_pages = pages_of(Order.objects.all(), self.views)
        m = self.mediator
        return [
            self.console("admin_queue", "Admin: mediation queue, filters", queue, filters + wide[:3]),
            self.console("admin_queue_all", "Admin: all disputes, pages", queue, wide),
            self.console("admin_queue_search", "Admin: queue search", queue, [f"q={term}" for term in terms]),
            self.console(
                "admin_orders", "Admin: orders, pages and filters", orders, order_filters + order_pages
            ),
            self.console(
                "admin_orders_search", "Admin: orders search", orders, [f"q={t}" for t in order_terms]
            ),
            self.console(
                "admin_refunds",
                "Admin: refund ledger",
                reverse("admin:orders_refund_changelist"),
                [
                    "",
                    "status__exact=failed",
                    "status__exact=paid",
                    "currency=EUR",
                    *pages_of(Refund.objects.all(), self.views, per_page=CONSOLE_PAGE_SIZE),
                ],
            ),
            self.console(
                "admin_stores",
                "Admin: stores",
                reverse("admin:orders_store_changelist"),
                [
                    "",
                    "accepts_returns__exact=1",
                    *pages_of(Store.objects.all(), self.views, per_page=CONSOLE_PAGE_SIZE),
                    *[
                        f"q={name[:4]}"
                        for name in Store.objects.order_by("-id").values_list("name", flat=True)[:20]
                    ],
                ],
            ),
            # The list's pages and its search apart, as the queue's and the orders': a search
            # shows a row or two, so a mix of both would weigh the two by how many pages the
            # dataset has (6 at 10k, 20 searches besides; every view a list page at 1M), and its
            # growth would measure the mix rather than the page.
            self.console(
                "admin_conversations",
                "Admin: conversations, pages",
                conversations,
                [
                    "",
                    *pages_of(
                        Conversation.objects.filter(Exists(Dispute.objects.filter(order=OuterRef("order")))),
                        self.views,
                        per_page=CONSOLE_PAGE_SIZE,
                    ),
                ],
            ),
            self.console(
                "admin_conversations_search",
                "Admin: conversations search",
                conversations,
                [f"q={row[3]}" for row in self.disputes],
            ),
            *self.account_pages(),
            Page(
                "admin_case",
                "Admin: case page",
                "recent disputes",
                [(m, reverse("admin:disputes_dispute_change", args=[row[0]])) for row in self.disputes],
                ADMIN_TARGET_MS,
            ),
            Page(
                "admin_statistics",
                "Admin: statistics",
                "the one page (no cache: each view computes it)",
                [(m, reverse("admin:disputes_dispute_statistics"))] * min(self.views + 1, 21),
                ADMIN_TARGET_MS,
            ),
        ]

    def account_pages(self) -> list[Page]:
        """The console's lists of people: accounts, buyer standings (each pages and filters, and
        search apart) and appeals."""
        users = reverse("admin:accounts_user_changelist")
        standings = reverse("admin:disputes_buyerstanding_changelist")
        return [
            self.console(
                "admin_users",
                "Admin: accounts, pages and filters",
                users,
                [
                    "",
                    "is_staff__exact=0",
                    "is_active__exact=1",
                    "language__exact=ru",
                    *pages_of(User.objects.all(), self.views, per_page=CONSOLE_PAGE_SIZE),
                ],
            ),
            self.console(
                "admin_users_search",
                "Admin: accounts search",
                users,
                [f"q={self.users[row[1]].username[:-1]}" for row in self.disputes[::2]]
                + [f"q={self.users[row[2]].email[:-13]}" for row in self.disputes[1::2]]
                + [f"q=nobody-{n}" for n in range(10)],
            ),
            self.console(
                "admin_standings",
                "Admin: buyer standings, pages and filters",
                standings,
                [
                    "",
                    "flagged__exact=1",
                    "blacklisted__exact=1",
                    *pages_of(BuyerStanding.objects.all(), self.views, per_page=CONSOLE_PAGE_SIZE),
                ],
            ),
            self.console(
                "admin_standings_search",
                "Admin: buyer standings search",
                standings,
                [f"q={self.users[row[1]].username[:-1]}" for row in self.disputes],
            ),
            self.console(
                "admin_appeals",
                "Admin: appeals",
                reverse("admin:disputes_appeal_changelist"),
                ["", *[f"state={state}" for state in Appeal.State.values]],
            ),
        ]

    def console(self, key: str, label: str, url: str, queries: list[str]) -> Page:
        views = [
            (self.mediator, f"{url}?{query}" if query else url) for query in distinct(queries, self.views + 1)
        ]
        return Page(key, label, f"{len(views)} distinct lists", views, ADMIN_TARGET_MS)
