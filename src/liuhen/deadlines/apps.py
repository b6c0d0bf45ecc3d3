from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "liuhen.deadlines"
    label = "deadlines"
    verbose_name = "期限与日历"

    def ready(self) -> None:
        from liuhen.deadlines.replay import Replay
        from liuhen.deadlines.services import on_ledger_event
        from liuhen.ledger.services import subscribe
        from liuhen.ledger.verify import register_replay

        subscribe(on_ledger_event)
        register_replay(Replay)
