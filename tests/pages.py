"""Helpers for tests that read pages: follow a list's pagination links as a person would."""

import html
import re


def link(response, rel: str) -> str:
    """The query string of the page's ``rel="next"`` or ``rel="prev"`` pagination link, unescaped."""
    match = re.search(rf'rel="{rel}" href="([^"]*)"', response.content.decode())
    assert match, f"no {rel} link on the page"
    return html.unescape(match.group(1))
