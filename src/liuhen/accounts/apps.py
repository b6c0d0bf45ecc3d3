from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "liuhen.accounts"
    label = "accounts"
    verbose_name = "机关与人员"
