from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        # Imported once the app registry is ready (models load only then): the registration idiom.
        from disputes import notifications, selectors, services
        from disputes.models import DisputeEvent
        from orders import order_page
        from portal import deadlines
        from portal.notifications import registry

        deadlines.register("disputes", services.enforce_dispute_deadlines)
        registry.register(DisputeEvent, notifications.event_messages)
        order_page.register(
            order_page.OrderPagePart(
                name="dispute_panel",
                facts=selectors.dispute_panel_for_order,
                actions_template="disputes/_order_actions.html",
                side_template="disputes/_order_panel.html",
            )
        )
