from django.apps import AppConfig
from django.db.models.signals import pre_save


class LedgerConfig(AppConfig):
    name = "liuhen.ledger"
    label = "ledger"
    verbose_name = "防篡改账本"

    def ready(self) -> None:
        from liuhen.ledger.limits import check_lengths

        pre_save.connect(check_lengths, dispatch_uid="liuhen.text_limits")
