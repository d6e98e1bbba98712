"""manage.py demo: load the demo planning process (idempotent) and print the logins."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand

from workflow.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo planning process of ORP Horažďovice and print a login for every role."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo runs many tasks in-process; their one-line reports would bury the logins.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        result = load_demo()
        self.stdout.write(self.style.SUCCESS(f"Ukázkový proces: {result.process}"))
        self.stdout.write("")
        self.stdout.write(
            f"Přihlášení (heslo pro všechny: {DEMO_PASSWORD}) na http://127.0.0.1:8000/admin/"
        )
        width = max(len(login.username) for login in result.logins)
        for login in result.logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.role} – vidí: {login.sees}")
        self.stdout.write("  (veřejnost)  bez přihlášení – jen zveřejněné materiály")
