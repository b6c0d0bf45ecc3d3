from django.apps import AppConfig


class AgencySettingsConfig(AppConfig):
    name = "liuhen.agency_settings"
    label = "agency_settings"
    verbose_name = "机关设置"

    def ready(self) -> None:
        from liuhen.agency_settings.integrity import check_settings
        from liuhen.ledger.verify import register_check

        register_check(check_settings)
