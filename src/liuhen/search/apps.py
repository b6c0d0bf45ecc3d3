from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "liuhen.search"
    label = "search"
    verbose_name = "全文检索"

    def ready(self) -> None:
        from liuhen.search import index

        index.connect()
