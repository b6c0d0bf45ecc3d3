from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "liuhen.disclosure"
    label = "disclosure"
    verbose_name = "行政执法公示"

    def ready(self) -> None:
        from liuhen.disclosure import prior
        from liuhen.disclosure.services import on_ledger_event
        from liuhen.ledger.services import subscribe

        subscribe(on_ledger_event)
        subscribe(prior.on_ledger_event)
