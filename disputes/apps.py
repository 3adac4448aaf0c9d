from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Disputes")

    def ready(self) -> None:
        # Imported once the app registry is ready (models load only then): the registration idiom.
        from disputes import appeal_notifications, notifications, selectors, services
        from disputes.admin.home import queue_counts
        from disputes.models import AppealEvent, DisputeEvent
        from orders import order_page
        from portal import admin_site, deadlines
        from portal.notifications import registry

        deadlines.register("disputes", services.enforce_dispute_deadlines)
        admin_site.register_index_counts(queue_counts)
        registry.register(DisputeEvent, notifications.event_messages)
        deadlines.register("appeals", services.enforce_appeal_deadlines)
        registry.register(AppealEvent, appeal_notifications.appeal_event_messages)
        order_page.register(
            order_page.OrderPagePart(
                name="dispute_panel",
                facts=selectors.dispute_panel_for_order,
                actions_template="disputes/_order_actions.html",
                # The button to the open dispute (either party), or to open one (the buyer).
                has_actions=lambda panel: bool(panel["current"] or panel["can_open"]),
                side_template="disputes/_order_panel.html",
            )
        )
