from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "liuhen.archive"
    label = "archive"
    verbose_name = "档案"

    def ready(self) -> None:
        from liuhen.archive.queries import case_file_facts
        from liuhen.cases.queries import provide_facts

        provide_facts(case_file_facts)  # rules R2, R14: archiving waits for the signed 案卷
