from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "liuhen.ledger"
    label = "ledger"
    verbose_name = "防篡改账本"
