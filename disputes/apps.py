from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "Disputes"

    def ready(self) -> None:
        from disputes import services
        from portal import deadlines

        deadlines.register("disputes", services.enforce_dispute_deadlines)
