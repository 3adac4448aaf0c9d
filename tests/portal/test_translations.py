"""Every string in the reader's language (issue 15, item 2).

Two checks: the Russian catalogue translates every entry it holds (none empty, none fuzzy), and
the pages the demo's buyers, sellers and mediator use, rendered for a reader whose language is
Russian, show none of the catalogue's English texts, in the text or in the attributes a person
reads (titles, placeholders, labels, button values). A string translated at import time, before
anyone's language is active, is the typical failure: it stays English on a Russian page.
"""

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from disputes import services
from disputes.errors import DisputeError
from disputes.models import Dispute, Party
from disputes.permissions import check_can_open
from messaging.models import Conversation
from orders.demo import ORDER_NUMBER_PREFIX
from orders.models import Order, Refund, Store
from portal.accounts.models import User
from portal.formatting import shown_label, stored_label
from tests.factories import open_dispute_for

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"


# --- the catalogue ---------------------------------------------------------------------------------
@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: dict[int, str] = field(default_factory=dict)
    obsolete: bool = False


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(text: str) -> list[Entry]:
    """The entries of a gettext catalogue: enough of the format for the checks here (flags,
    msgid, msgid_plural, msgstr and msgstr[n], continued over several quoted lines)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, target = None, None
            continue
        if line.startswith("#~"):
            if entry is None:
                entry = Entry(line=number)
                entries.append(entry)
            entry.obsolete = True
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, target = _unquote(line[13:]), ("msgid_plural", 0)
        elif line.startswith("msgid "):
            entry.msgid, target = _unquote(line[6:]), ("msgid", 0)
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            entry.msgstr[index], target = _unquote(line[line.index("]") + 2 :]), ("msgstr", index)
        elif line.startswith("msgstr "):
            entry.msgstr[0], target = _unquote(line[7:]), ("msgstr", 0)
        elif line.startswith('"') and target is not None:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
    return [entry for entry in entries if not entry.obsolete and (entry.msgid or entry.msgstr)]


def russian_plural_forms(header: str) -> int:
    match = re.search(r"nplurals=(\d+)", header)
    return int(match.group(1)) if match else 0


def catalogue_problems(entries: list[Entry]) -> list[str]:
    """One line per entry a Russian reader would see in English or half-translated."""
    header = next((entry for entry in entries if entry.msgid == ""), None)
    problems = []
    if header is None or russian_plural_forms(header.msgstr.get(0, "")) != 3:
        problems.append("the header must declare Russian's three plural forms (nplurals=3)")
    for entry in entries:
        if entry.msgid == "":
            continue
        where = f"line {entry.line}: {entry.msgid[:60]!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where} is fuzzy")
        expected = 3 if entry.msgid_plural else 1
        forms = [entry.msgstr.get(index, "") for index in range(expected)]
        if not all(form.strip() for form in forms):
            problems.append(
                f"{where} is not translated ({len([f for f in forms if f.strip()])}/{expected} forms)"
            )
    return problems


def test_the_parser_reads_what_the_checks_need():
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=3; plural=(n%10==1);\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "%(n)d day"\nmsgid_plural "%(n)d days"\n'
        'msgstr[0] "%(n)d день"\nmsgstr[1] ""\n"%(n)d дня"\nmsgstr[2] ""\n\n'
        'msgid "Open"\nmsgstr ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Нет"\n'
    )

    assert [(e.msgid, e.msgid_plural, e.msgstr, "fuzzy" in e.flags) for e in entries[1:]] == [
        ("%(n)d day", "%(n)d days", {0: "%(n)d день", 1: "%(n)d дня", 2: ""}, True),
        ("Open", "", {0: ""}, False),
    ]
    assert catalogue_problems(entries) == [
        "line 5: '%(n)d day' is fuzzy",
        "line 5: '%(n)d day' is not translated (2/3 forms)",
        "line 13: 'Open' is not translated (0/1 forms)",
    ]


def test_the_russian_catalogue_translates_every_entry_and_none_is_fuzzy():
    entries = parse_po(CATALOGUE.read_text(encoding="utf-8"))

    assert len(entries) > 500, "the catalogue looks empty: is this the right file?"
    assert catalogue_problems(entries) == []


# --- the pages -------------------------------------------------------------------------------------
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|%%|\{\{.*?\}\}|\{\w*\}")
#: Attributes whose text a person reads (or hears from a screen reader).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-bs-title"}


class VisibleText(HTMLParser):
    """The text runs of a page a reader sees: element text (no scripts or styles), the attributes
    in READ_ATTRIBUTES and the values of buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.runs.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.runs.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.runs.append(" ".join(data.split()))


def visible_runs(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.runs


@dataclass(frozen=True)
class EnglishText:
    """A catalogue text a Russian page must not show: the whole of a short one, or any phrase of
    a long one between its placeholders."""

    whole: frozenset[str]
    phrases: tuple[re.Pattern, ...]

    def found_in(self, runs: list[str]) -> set[str]:
        found = {run for run in runs if run in self.whole}
        for pattern in self.phrases:
            found |= {pattern.pattern for run in runs if pattern.search(run)}
        return found


def english_texts(entries: list[Entry]) -> EnglishText:
    whole, phrases = set(), set()
    for entry in entries:
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            if msgid in entry.msgstr.values():
                continue  # the same in both languages ("DHL", "%(amount)s")
            for part in PLACEHOLDER.split(msgid):
                part = " ".join(part.split()).strip(" .,:;·—()")
                if not re.search(r"[A-Za-z]{2}", part):
                    continue
                if part == " ".join(msgid.split()):
                    whole.add(part)
                if len(part.split()) >= 3:
                    # A phrase of three words or more cannot be a name or a number by chance.
                    phrases.add(re.compile(r"(?<![\w'])" + re.escape(part) + r"(?![\w'])"))
    return EnglishText(whole=frozenset(whole), phrases=tuple(sorted(phrases, key=lambda p: p.pattern)))


@pytest.fixture
def russian_catalogue(settings, tmp_path):
    """The catalogue compiled afresh, so the pages read the .po this checkout holds."""
    if shutil.which("msgfmt") is None:
        pytest.skip("gettext's msgfmt is not installed (apt-get install gettext)")
    target = tmp_path / "locale" / "ru" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(["msgfmt", "--check", "-o", str(target / "django.mo"), str(CATALOGUE)], check=True)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    return parse_po(CATALOGUE.read_text(encoding="utf-8"))


def disputable_orders(now: datetime) -> list[Order]:
    orders = []
    for order in Order.objects.filter(number__startswith=ORDER_NUMBER_PREFIX).order_by("pk"):
        try:
            check_can_open(order=order, buyer=order.buyer, now=now)
        except DisputeError:
            continue
        orders.append(order)
    return orders


def play_disputes(*, now: datetime) -> None:
    """A dispute in each kind of state, through the services, on orders the demo leaves open to
    one: awaiting the seller, awaiting the buyer after a counter-offer, agreed, in mediation with
    evidence requested and a mediator's message, and decided each way."""
    mediator = User.objects.get(username="maria_mediator")
    minute = timedelta(minutes=1)
    orders = disputable_orders(now)
    assert len(orders) >= 6, "the demo has too few orders open to a dispute"
    disputes = [open_dispute_for(order, at=now, reason="not_received") for order in orders[:6]]
    _waiting, countered, agreed, asked, refunded, rejected = disputes
    services.counter_offer(
        dispute=countered, seller=countered.store.owner, amount=Decimal("1.00"), with_return=False,
        note="Half now?", evidence=[], now=now + minute,
    )  # fmt: skip
    services.accept_request(dispute=agreed, seller=agreed.store.owner, now=now + minute)
    for dispute in (asked, refunded, rejected):
        services.reject_request(
            dispute=dispute,
            seller=dispute.store.owner,
            note="It was delivered.",
            evidence=[],
            now=now + minute,
        )
        services.escalate_dispute(dispute=dispute, user=dispute.buyer, note="", now=now + 2 * minute)
        services.assign_to_mediator(dispute=dispute, mediator=mediator, now=now + 3 * minute)
    services.request_evidence(
        dispute=asked, mediator=mediator, party=Party.BUYER, note="The tracking page, please.",
        due_at=now + timedelta(days=3), now=now + 4 * minute,
    )  # fmt: skip
    services.post_mediator_message(dispute=asked, mediator=mediator, text="I am on it.", now=now + 5 * minute)
    for dispute, decision in (
        (refunded, services.Decision.FULL_REFUND),
        (rejected, services.Decision.REJECT),
    ):
        services.decide_dispute(
            dispute=dispute,
            mediator=mediator,
            decision=decision,
            amount=None,
            note="As shown.",
            now=now + 4 * minute,
        )


@pytest.fixture
def demo(now, time_machine):
    """The demo, its disputes, everyone reading Russian, and the wall clock an hour later."""
    call_command("seed_demo", now=now.isoformat(), stdout=StringIO())
    play_disputes(now=now)
    User.objects.update(language="ru")
    time_machine.move_to(now + timedelta(hours=1), tick=False)


def pages_of(user: User) -> list[str]:
    """The pages this demo person works with: lists, every order, dispute and conversation."""
    orders = Order.objects.filter(number__startswith=ORDER_NUMBER_PREFIX)
    if Store.objects.filter(owner=user).exists():
        mine = orders.filter(store__owner=user)
        urls = [
            reverse("orders:seller_list"),
            reverse("disputes:seller_list"),
            reverse("orders:return_policy"),
        ]
        disputes = Dispute.objects.filter(store__owner=user)
    else:
        mine = orders.filter(buyer=user)
        urls = [reverse("orders:list"), reverse("disputes:list")]
        disputes = Dispute.objects.filter(buyer=user)
    urls += [reverse("messaging:inbox"), reverse("accounts:profile"), reverse("notifications:list")]
    urls += [reverse("orders:detail", args=[number]) for number in mine.values_list("number", flat=True)]
    urls += [reverse("disputes:detail", args=[pk]) for pk in disputes.values_list("pk", flat=True)]
    urls += [
        reverse("messaging:conversation", args=[number])
        for number in Conversation.objects.filter(order__in=mine).values_list("order__number", flat=True)
    ]
    return urls


def console_pages() -> list[str]:
    cases = Dispute.objects.order_by("pk").values_list("pk", flat=True)
    return [
        reverse("admin:index"),
        reverse("admin:disputes_dispute_changelist"),
        reverse("admin:disputes_dispute_changelist") + "?state=all",
        reverse("admin:disputes_dispute_statistics"),
        reverse("admin:disputes_buyerstanding_changelist"),
        reverse("admin:orders_order_changelist"),
        reverse("admin:messaging_conversation_changelist"),
        *[reverse("admin:disputes_dispute_change", args=[pk]) for pk in cases],
        *[
            reverse("admin:orders_order_change", args=[pk])
            for pk in Order.objects.filter(disputes__isnull=False).values_list("pk", flat=True)[:5]
        ],
    ]


def english_on_pages(client, user: User, urls: list[str], english: EnglishText) -> dict[str, set[str]]:
    client.force_login(user)
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        assert response.headers["Content-Language"] == "ru", url
        english_here = english.found_in(visible_runs(response.content.decode()))
        if english_here:
            found[url] = english_here
    return found


def test_english_texts_are_found_whole_or_by_their_phrases():
    english = english_texts(
        [
            Entry(line=1, msgid="Orders", msgstr={0: "Заказы"}),
            Entry(line=2, msgid="Refund %(amount)s without return, agreed", msgstr={0: "Возврат %(amount)s"}),
            Entry(line=3, msgid="DHL", msgstr={0: "DHL"}),
        ]
    )

    assert english.found_in(["Orders", "Заказы", "DHL"]) == {"Orders"}
    assert english.found_in(["My Orders list"]) == set()
    assert english.found_in(["Возврат 5 USD without return, agreed"]) == {
        r"(?<![\w'])without\ return,\ agreed(?![\w'])"
    }


@pytest.mark.django_db
def test_buyers_sellers_and_the_mediator_read_their_pages_in_russian(client, demo, russian_catalogue):
    english = english_texts(russian_catalogue)
    people = ["olga_buyer", "jack_buyer", "mei_buyer", "lin_seller", "ana_seller"]

    found = {}
    for username in people:
        user = User.objects.get(username=username)
        found |= english_on_pages(client, user, pages_of(user), english)
    found |= english_on_pages(client, User.objects.get(username="maria_mediator"), console_pages(), english)

    assert not found, "English on Russian pages:\n" + "\n".join(
        f"{url}: {sorted(found[url])}" for url in found
    )


def russian_plural(count: int, forms: tuple[str, str, str]) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return forms[0]
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return forms[1]
    return forms[2]


@pytest.mark.django_db
def test_the_console_counts_disputes_with_the_russian_plural(client, demo, russian_catalogue):
    client.force_login(User.objects.get(username="maria_mediator"))
    changelist = reverse("admin:disputes_dispute_changelist")

    for query in ("?q=no-such-case-at-all", "", "?state=all"):
        runs = visible_runs(client.get(changelist + query).content.decode())
        counts = [re.fullmatch(r"(\d+) (спор\w*)", run) for run in runs]
        count, noun = next((int(m.group(1)), m.group(2)) for m in counts if m)

        assert noun == russian_plural(count, ("спор", "спора", "споров")), query
        assert count > 0 or query != "?state=all", "no dispute in the demo: the check would prove little"


def test_a_label_stored_in_the_sites_language_is_shown_in_the_readers(russian_catalogue):
    stored = stored_label(lambda: Refund.Reason.NOT_SHIPPED.label)

    with translation.override("ru"):
        assert stored == "Seller did not ship in time"
        assert shown_label(stored, Refund.Reason) == "Продавец не отправил заказ вовремя"
        assert shown_label("A reason reworded since", Refund.Reason) == "A reason reworded since"
