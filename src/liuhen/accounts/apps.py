import logging
from typing import Any

from django.apps import AppConfig

security_log = logging.getLogger("liuhen.security")


def _client_ip(request: Any) -> str:
    return str(getattr(request, "META", {}).get("REMOTE_ADDR", "")) if request is not None else ""


def log_failed_login(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """Every failed login is logged with the user name tried and the address (never the password); django-axes
    also keeps it in its table and locks the account after AXES_FAILURE_LIMIT failures."""
    security_log.warning("登录失败 username=%s ip=%s", credentials.get("username", ""), _client_ip(request))


class AccountsConfig(AppConfig):
    name = "liuhen.accounts"
    label = "accounts"
    verbose_name = "机关与人员"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        user_login_failed.connect(log_failed_login, dispatch_uid="liuhen.failed_login")
