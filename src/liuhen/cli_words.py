"""The command line speaks Chinese throughout: the words click and typer print around our own help texts (they
look them up with gettext, for which no Chinese catalogue ships), given here and put in their place on import."""

from __future__ import annotations

from types import ModuleType
from typing import Any

CHINESE = {
    "Show this message and exit.": "显示本帮助并退出。",
    "Usage:": "用法：",
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Error": "错误",
    "Error: {message}": "错误：{message}",
    "Aborted.": "已中止。",
    "Aborted!": "已中止！",
    "required": "必填",
    "[required]": "[必填]",
    "default: {default}": "默认：{default}",
    "[default: {}]": "[默认：{}]",
    "env var: {var}": "环境变量：{var}",
    "[env var: {}]": "[环境变量：{}]",
    "(dynamic)": "（动态）",
    "(deprecated) ": "（已弃用）",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Invalid value: {message}": "无效的值：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "unknown error": "未知错误",
}


def chinese(message: str) -> str:
    return CHINESE.get(message, message)


def _vendored() -> None:
    """Typer's own copy of click writes its words in the code, not through gettext: put ours in its place."""
    try:
        from typer._click import core, formatting
    except ImportError:  # an older typer: click itself, patched above
        return
    original_help = core.Command.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original_help(self, ctx)
        if option is not None:
            option.help = CHINESE["Show this message and exit."]
        return option

    original_usage = formatting.HelpFormatter.write_usage

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original_usage(self, prog, args, "用法：" if prefix is None else prefix)

    core.Command.get_help_option = get_help_option  # type: ignore[method-assign]
    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]


def install() -> None:
    _vendored()
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import typer.core
    import typer.rich_utils as rich_utils

    modules: list[ModuleType] = [
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        typer.core,
        rich_utils,
    ]
    for module in modules:
        if hasattr(module, "_"):
            module._ = chinese  # type: ignore[attr-defined]
    # the panel titles and markers typer worked out when it was imported
    rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
    rich_utils.OPTIONS_PANEL_TITLE = "选项"
    rich_utils.COMMANDS_PANEL_TITLE = "命令"
    rich_utils.ERRORS_PANEL_TITLE = "错误"
    rich_utils.ABORTED_TEXT = "已中止。"
    rich_utils.RICH_HELP = CHINESE["Try [blue]'{command_path} {help_option}'[/] for help."]
    rich_utils.REQUIRED_LONG_STRING = "[必填]"
    rich_utils.DEFAULT_STRING = "[默认：{}]"
    rich_utils.ENVVAR_STRING = "[环境变量：{}]"
    rich_utils.DEPRECATED_STRING = "（已弃用）"
