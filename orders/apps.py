from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from orders import checks, services  # noqa: F401 (checks registers itself)
        from portal import deadlines

        deadlines.register("orders", services.enforce_order_deadlines)
        deadlines.register("order_reminders", services.send_order_reminders)
