from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # Imported once the app registry is ready (models load only then): the registration idiom.
        from orders import checks, notifications, services  # noqa: F401 (checks registers itself)
        from orders.models import OrderEvent
        from portal import deadlines
        from portal.notifications import registry

        deadlines.register("orders", services.enforce_order_deadlines)
        deadlines.register("order_reminders", services.send_order_reminders)
        registry.register(OrderEvent, notifications.event_messages)
