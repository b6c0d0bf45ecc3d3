from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "liuhen.cases"
    label = "cases"
    verbose_name = "案件"

    def ready(self) -> None:
        from liuhen.cases.integrity import LEGACY, LISTED, OFFICERS
        from liuhen.cases.limitation import limitation_facts
        from liuhen.cases.queries import provide_facts
        from liuhen.ledger.rebuild import register_legacy

        for action, reader in LEGACY.items():
            register_legacy(action, reader, lists=LISTED)
        for action, reader in OFFICERS.items():
            register_legacy(action, reader, lists=LISTED)
        provide_facts(limitation_facts)  # rule S6
