from django.apps import AppConfig, apps

# The admin reads in Chinese throughout: the sign-in records of django-axes (which has no Chinese translation)
AXES_MODELS = {
    "AccessAttempt": ("登录失败尝试", "登录失败尝试"),
    "AccessLog": ("登录日志", "登录日志"),
    "AccessFailureLog": ("登录失败记录", "登录失败记录"),
    "AccessAttemptExpiration": ("登录锁定到期", "登录锁定到期"),
}
AXES_FIELDS = {
    "user_agent": "浏览器",
    "ip_address": "IP 地址",
    "username": "用户名",
    "http_accept": "HTTP Accept",
    "path_info": "路径",
    "attempt_time": "时间",
    "get_data": "GET 数据",
    "post_data": "POST 数据",
    "failures_since_start": "失败次数",
    "logout_time": "退出时间",
    "session_hash": "会话摘要",
    "locked_out": "已锁定",
    "access_attempt": "登录尝试",
    "expires_at": "到期时间",
}
VERBS = {"add": "添加", "change": "修改", "delete": "删除", "view": "查看"}


def permission_label(permission: object) -> str:
    """A permission as the admin lists it: 案件｜可查看案件, not "cases | 案件 | Can view 案件"."""
    codename = str(getattr(permission, "codename", ""))
    content_type = getattr(permission, "content_type", None)
    model = content_type.model_class() if content_type is not None else None
    name = str(model._meta.verbose_name) if model is not None else str(getattr(permission, "name", ""))
    app = str(apps.get_app_config(content_type.app_label).verbose_name) if content_type is not None else ""
    verb = VERBS.get(codename.split("_", 1)[0])
    return f"{app}｜可{verb}{name}" if verb else f"{app}｜{getattr(permission, 'name', codename)}"


class WebConfig(AppConfig):
    name = "liuhen.web"
    label = "web"
    verbose_name = "界面"

    def ready(self) -> None:
        from django.contrib.auth.models import Permission

        if apps.is_installed("axes"):
            axes = apps.get_app_config("axes")
            axes.verbose_name = "登录安全"
            for model in axes.get_models():
                names = AXES_MODELS.get(model.__name__)
                if names:
                    model._meta.verbose_name, model._meta.verbose_name_plural = names
                for field in model._meta.get_fields():
                    if getattr(field, "name", "") in AXES_FIELDS and hasattr(field, "verbose_name"):
                        field.verbose_name = AXES_FIELDS[field.name]
        Permission.__str__ = permission_label  # type: ignore[method-assign]
        apps.get_app_config("auth").verbose_name = "认证和授权"
