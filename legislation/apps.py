from django.apps import AppConfig


class LegislationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "legislation"
    verbose_name = "Legislation records"

    def ready(self):
        from . import checks, signals  # noqa: F401 (checks register themselves)

        signals.connect()
