from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from orders import services
        from portal import deadlines

        deadlines.register("orders", services.enforce_order_deadlines)
