from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "liuhen.access"
    label = "access"
    verbose_name = "调阅与复制"

    def ready(self) -> None:
        from liuhen.access.services import guard, hidden
        from liuhen.cases.access import add_guard

        add_guard(guard, hidden)

        from liuhen.access.integrity import check_copies
        from liuhen.ledger.verify import register_check

        register_check(check_copies)
