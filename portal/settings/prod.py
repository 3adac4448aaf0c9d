"""Production settings: everything secret or host-specific must come from the environment."""

import os

from portal.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False  # only what collectstatic gathered, hashed and compressed
WHITENOISE_AUTOREFRESH = False

# Mail goes out over SMTP unless EMAIL_BACKEND says otherwise (the base default prints it).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # noqa: F405

# Refunds move real money through Stripe (STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET); the system
# checks refuse the fake provider here unless PORTAL_FAKE_PAYMENTS_NO_MONEY_MOVES=true (staging).
PORTAL_PRODUCTION = True
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "orders.payments.StripePaymentProvider")

# A load balancer probes /healthz over plain HTTP on the private network: answer, don't redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
