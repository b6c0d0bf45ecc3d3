from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "liuhen.media"
    label = "media"
    verbose_name = "音像记录"

    def ready(self) -> None:
        from liuhen.ledger.verify import register_check
        from liuhen.media.integrity import check_blobs
        from liuhen.media.tempfiles import check_temp_files

        register_check(check_blobs)
        register_check(check_temp_files)
        from liuhen.cases.queries import provide_facts
        from liuhen.media.queries import av_facts

        provide_facts(av_facts)
