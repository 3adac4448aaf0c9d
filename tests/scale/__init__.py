"""Marketplace-scale data and the benchmark that measures the portal against it: a
development-only Django app (label ``scale``) that production never installs.

``seed_scale`` writes a large, consistent dataset with raw batched inserts; ``benchmark``
times the key pages, the deadline sweep and the web server against it (see README
"Performance"). Only ``portal.settings.bench`` (``make bench``) and ``portal.settings.test``
list this app; ``portal.settings.base`` and ``portal.settings.prod`` do not, so a deployment
has neither command nor the bare view, and nothing in ``portal``, ``orders`` or ``disputes``
imports it (``tests/deploy/test_dev_tools.py``).
"""
