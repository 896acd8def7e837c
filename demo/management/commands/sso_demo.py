"""``manage.py sso_demo``: the demo with single sign-on, against the test OpenID Connect provider.

Starts the provider of the tests (node-oidc-provider, ``make oidc-provider`` installs it) on
127.0.0.1, points the Trust's single sign-on at it and runs the development web server. Type
a demo email (rita.reporter@whc.example) on the sign-in page: you are sent to the provider's
sign-in form, where the same email (any password) signs you in. ``unverified:EMAIL`` there
shows the refusal of an unverified email, and an email not in the directory the refusal of a
stranger. Ctrl-C stops both and switches the Trust back to password sign-in.
"""

from __future__ import annotations

import os
import signal
import sys
from argparse import ArgumentParser

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from demo.sso_provider import CLIENT_SECRET, provider_missing, provider_running
from organisations.models import Organisation

SECRET_VARIABLE = "FLAGPOST_OIDC_DEMO_SECRET"


class Command(BaseCommand):
    help = (
        "Run the web server with the Trust's demo staff signing in through the test OpenID "
        "Connect provider (after `make seed oidc-provider`)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="the web server's port")
        parser.add_argument(
            "--provider-port", type=int, default=8800, help="the test provider's port"
        )

    def handle(self, *args: object, **options: object) -> None:
        missing = provider_missing()
        if missing is not None:
            raise CommandError(missing)
        trust = Organisation.objects.filter(short_name="WHCT").first()
        if trust is None or not trust.email_domains.exists():
            raise CommandError("Load the demo first: python manage.py seed_demo")
        port, provider_port = int(str(options["port"])), int(str(options["provider_port"]))
        # Stopped by a signal as by Ctrl-C: the provider is stopped and the Trust switched back.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with provider_running(provider_port) as issuer:
            os.environ[SECRET_VARIABLE] = CLIENT_SECRET
            Organisation.objects.filter(pk=trust.pk).update(
                oidc_enabled=True,
                oidc_issuer=issuer,
                oidc_client_id="flagpost",
                oidc_client_secret_variable=SECRET_VARIABLE,
            )
            self.stdout.write(
                f"The Trust's staff now sign in at {issuer} (any password there). "
                f"Open http://127.0.0.1:{port}/ and type rita.reporter@whc.example."
            )
            try:
                # No reloader: it would start a second copy of this command, and of the provider.
                call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
            finally:
                Organisation.objects.filter(pk=trust.pk).update(oidc_enabled=False)
                self.stdout.write("The Trust signs in with passwords again.")
