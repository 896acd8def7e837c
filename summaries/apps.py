from __future__ import annotations

from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = "Case summaries (PDF)"
