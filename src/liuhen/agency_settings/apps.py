from django.apps import AppConfig


class AgencySettingsConfig(AppConfig):
    name = "liuhen.agency_settings"
    label = "agency_settings"
    verbose_name = "机关设置"

    def ready(self) -> None:
        from liuhen.agency_settings.integrity import LEGACY, TABLE
        from liuhen.ledger.rebuild import register_legacy

        for action, reader in LEGACY.items():
            register_legacy(action, reader, lists=[TABLE])  # every setting row was named by its event
