from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Disputes"

    def ready(self) -> None:
        from disputes import notifications, services
        from disputes.models import DisputeEvent
        from portal import deadlines
        from portal.notifications import registry

        deadlines.register("disputes", services.enforce_dispute_deadlines)
        registry.register(DisputeEvent, notifications.event_messages)
