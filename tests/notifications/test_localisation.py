"""Each person reads in their own language and time zone: e-mails, in-app notifications and pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from orders import services as order_services
from portal.notifications.models import Notification
from tests.factories import OrderFactory, ship
from tests.notifications.conftest import html_of, mails_to
from tests.notifications.test_dispute_emails import countered

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def olgas_order(russian_buyer, store, now):
    return OrderFactory(
        buyer=russian_buyer, store=store, paid_at=now, currency="RUB", total_paid=Decimal("60.00")
    )


def test_a_moscow_buyer_reads_the_shipping_notice_in_russian_with_moscow_times(
    olgas_order, russian_buyer, now, jobs, mailoutbox
):
    with jobs():
        order = ship(olgas_order, at=now + DAY)

    (mail,) = mails_to(mailoutbox, russian_buyer)
    # Protection ends 25 Nov 2026 at 12:00 UTC, which is 15:00 in Moscow.
    assert order.protection_ends_at.isoformat() == "2026-11-25T12:00:00+00:00"
    assert mail.subject == f"Заказ {order.number} отправлен"
    assert mail.body.startswith("Здравствуйте, Ольга!")
    assert "Вы под защитой до 25 ноября 2026, 15:00 MSK." in mail.body
    assert "трек-номер LX123456789CN" in mail.body
    assert "Время указано в вашем часовом поясе: Europe/Moscow." in mail.body
    assert "What happened" not in mail.body and "UTC" not in mail.body
    html = html_of(mail)
    assert '<html lang="ru">' in html and "Что будет дальше" in html
    notification = Notification.objects.get(recipient=russian_buyer)
    assert notification.title == mail.subject and "25 ноября 2026, 15:00 MSK" in notification.next_step


def test_a_deadline_notice_in_russian_says_what_to_do_by_when_and_what_happens_otherwise(
    olgas_order, russian_buyer, seller, now, jobs, mailoutbox
):
    with jobs():
        dispute = countered(olgas_order, now + 10 * DAY)

    (mail,) = [m for m in mails_to(mailoutbox, russian_buyer) if dispute.reference in m.subject]
    assert dispute.deadline_at.isoformat() == "2026-11-19T12:00:00+00:00"
    assert mail.subject == f"Спор {dispute.reference}: продавец сделал встречное предложение"
    assert "Сделано встречное предложение: 30,00 RUB, без возврата товара." in mail.body
    assert "«Half, keep the item»" in mail.body
    assert "ЧТО НУЖНО СДЕЛАТЬ\nДо 19 ноября 2026, 15:00 MSK: Принять предложение" in mail.body
    assert "ЧТО БУДЕТ, ЕСЛИ НЕ УСПЕТЬ\nЕсли до 19 ноября 2026, 15:00 ничего не будет сделано" in mail.body
    assert "Это уведомление о сроке" in mail.body


def test_the_other_side_of_the_same_event_reads_english_in_its_own_zone(
    olgas_order, russian_buyer, seller, now, jobs, mailoutbox
):
    seller.time_zone = "Asia/Shanghai"
    seller.save()
    order = ship(olgas_order, at=now + DAY)
    with jobs():
        order_services.request_protection_extension(
            order=order, buyer=russian_buyer, note="Таможня", now=now + DAY
        )

    (mail,) = mails_to(mailoutbox, seller)
    assert mail.subject == f"Order {order.number}: the buyer asks for more protection time"
    # 25 Nov 2026, 12:00 UTC is 20:00 in Shanghai (China Standard Time, "CST").
    assert "By 25 Nov 2026, 20:00 CST: Grant or decline the extension" in mail.body
    assert "“Таможня”" in mail.body


def test_switching_the_profile_to_russian_shows_the_order_page_in_russian(client, buyer, order, now):
    client.force_login(buyer)
    page = reverse("orders:detail", kwargs={"number": order.number})
    english = client.get(page)
    assert '<html lang="en">' in english.text and "My orders" in english.text

    client.post(
        reverse("accounts:profile"),
        {
            "first_name": buyer.first_name,
            "last_name": "",
            "email": buyer.email,
            "time_zone": "Europe/Moscow",
            "language": "ru",
            "email_non_essential": "on",
        },
    )
    russian = client.get(page)

    assert russian["Content-Language"] == "ru"
    assert '<html lang="ru">' in russian.text
    assert "Мои заказы" in russian.text and "Защита покупателя" in russian.text
    assert "My orders" not in russian.text
    # Paid 1 Nov 2026 at 12:00 UTC: 15:00 in Moscow; the handling deadline, 8 Nov, reads in full.
    assert "Время указано в часовом поясе Europe/Moscow." in russian.text
    assert "8 ноября 2026, 15:00" in russian.text
