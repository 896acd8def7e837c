"""``{% evidence_link link.url %}``: an evidence link as text, never as a live link.

A host in another alphabet is shown with its true (punycode) form beside it,
and a look-alike with a warning, so nobody reading a case takes
``fаcebook.com`` for Facebook.
"""

from __future__ import annotations

from django import template

from incidents.links import link_host

register = template.Library()


@register.inclusion_tag("incidents/_evidence_link.html")
def evidence_link(url: str) -> dict[str, object]:
    return {"url": url, "host": link_host(url)}
