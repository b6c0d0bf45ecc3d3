from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "liuhen.cases"
    label = "cases"
    verbose_name = "案件"

    def ready(self) -> None:
        from liuhen.cases.integrity import check_cases
        from liuhen.cases.officer_integrity import check_officers
        from liuhen.ledger.verify import register_check

        register_check(check_cases)
        register_check(check_officers)
        from liuhen.cases.limitation import limitation_facts
        from liuhen.cases.queries import provide_facts

        provide_facts(limitation_facts)  # rule S6
