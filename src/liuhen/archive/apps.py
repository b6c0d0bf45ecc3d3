from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "liuhen.archive"
    label = "archive"
    verbose_name = "档案"

    def ready(self) -> None:
        from liuhen.archive.queries import case_file_facts
        from liuhen.cases.queries import provide_facts

        provide_facts(case_file_facts)  # rules R2, R14: archiving waits for the signed 案卷
        from liuhen.archive.file_disposal import tombstones
        from liuhen.archive.integrity import check_case_files
        from liuhen.ledger.verify import register_check
        from liuhen.media.integrity import register_tombstones

        register_tombstones(tombstones)  # rule R6: a disposed recording is told from a lost one
        register_check(check_case_files)
        from liuhen.archive.file_disposal import file_period
        from liuhen.deadlines.engine import provide_period

        provide_period("R6", file_period)  # rule R6: the 案卷's own 保管期限, counted from 归档
