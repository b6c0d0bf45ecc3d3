from django.apps import AppConfig
from django.db.models.signals import pre_save


class LedgerConfig(AppConfig):
    name = "liuhen.ledger"
    label = "ledger"
    verbose_name = "防篡改账本"

    def ready(self) -> None:
        from liuhen.ledger.cosigning import check_cosignatures
        from liuhen.ledger.limits import check_lengths
        from liuhen.ledger.outside_check import check_checkpoint_log
        from liuhen.ledger.verify import register_check

        register_check(check_checkpoint_log)
        register_check(check_cosignatures)
        pre_save.connect(check_lengths, dispatch_uid="liuhen.text_limits")
