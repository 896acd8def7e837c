"""A person at the test OpenID Connect provider (``provider/provider.mjs``): its real sign-in form.

The provider's process is started by ``demo.sso_provider.provider_running``.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import requests

# The email domain of the ``sso_organisation`` fixture's staff.
SSO_DOMAIN = "sso.example.nhs.uk"


def provider_sign_in(authorization_url: str, login: str) -> str:
    """What a person does at the provider: open the sign-in page, post its login form for real.

    Returns the address the provider sends the browser back to (Flagpost's callback, with
    the code and state). ``requests`` plays the browser at the provider and keeps its cookies.
    """
    issuer_host = urlsplit(authorization_url).netloc
    browser = requests.Session()
    url = authorization_url
    response = browser.get(url, allow_redirects=False, timeout=10)
    for _ in range(10):
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if urlsplit(url).netloc != issuer_host:
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*method="post"', response.text)
        if form is None or 'name="login"' not in response.text:
            raise AssertionError(f"no login form at {url}: {response.status_code}")
        url = urljoin(url, unescape(form.group(1)))
        response = browser.post(
            url,
            data={"prompt": "login", "login": login, "password": "any password"},
            allow_redirects=False,
            timeout=10,
        )
    raise AssertionError("the provider never sent the browser back")
