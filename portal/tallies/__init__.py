"""Tallies: counts the services keep as they act, so a page reads a few rows, never the history.

A tally is one number under a key (what is counted, about whom, which week, which bucket of a
histogram), added to in the same transaction as the change it counts by :func:`add`, so it is
never ahead of or behind the rows it counts. Domain apps name their tallies and say what each
change adds (``orders.tallies``, ``disputes.tallies``) and rebuild them from the history when a
tally is new; the kernel only stores and adds.
"""
