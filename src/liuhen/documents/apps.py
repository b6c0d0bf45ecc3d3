from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "liuhen.documents"
    label = "documents"
    verbose_name = "执法文书"

    def ready(self) -> None:
        from liuhen.documents.integrity import check_documents
        from liuhen.ledger.verify import register_check

        register_check(check_documents)
        from liuhen.cases.queries import provide_facts
        from liuhen.documents.facts import document_facts

        provide_facts(document_facts)
