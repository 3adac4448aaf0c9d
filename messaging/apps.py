from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        # Imported once the app registry is ready (models load only then): the registration idiom.
        from orders import order_page

        order_page.register(
            order_page.OrderPagePart(name="contact_link", header_template="messaging/_contact_link.html")
        )
