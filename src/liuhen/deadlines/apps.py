from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "liuhen.deadlines"
    label = "deadlines"
    verbose_name = "期限与日历"

    def ready(self) -> None:
        from liuhen.deadlines.services import on_ledger_event
        from liuhen.ledger.services import subscribe

        subscribe(on_ledger_event)
