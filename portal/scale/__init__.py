"""Marketplace-scale data and the benchmark that measures the portal against it.

``seed_scale`` writes a large, consistent dataset with raw batched inserts; ``benchmark``
times the key pages, the deadline sweep and the web server against it (see README
"Performance").
"""
