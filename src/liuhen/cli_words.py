"""The command line speaks Chinese throughout: the words click and typer print around our own help texts (they
look them up with gettext, for which no Chinese catalogue ships), given here and put in their place on import."""

from __future__ import annotations

import re
from collections.abc import Callable
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


# What typer's copy of click writes in English in its code (not through gettext), as one line says it in Chinese
_PARAM_KIND = {"argument": "参数", "option": "选项", "parameter": "参数"}
_ERRORS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"^Missing (argument|option|parameter) ?'?([^'.]*)'?\.(?: (.*))?$", re.S),
        lambda m: (
            f"缺少{_PARAM_KIND[m[1]]}{('“' + m[2] + '”') if m[2] else ''}" + (f"（{_words(m[3])}）" if m[3] else "")
        ),
    ),
    (
        re.compile(r"^No such option: (\S+?)(?:\. Did you mean (.+)\?)?(?: \(Possible options: (.+)\))?$"),
        lambda m: (
            f"没有选项 {m[1]}" + (f"，是否要用 {m[2]}" if m[2] else "") + (f"（可用选项：{m[3]}）" if m[3] else "")
        ),
    ),
    (re.compile(r"^Got unexpected extra arguments? ?\(s\)? ?\((.*)\)$"), lambda m: f"多余的参数（{m[1]}）"),
    (re.compile(r"^Got unexpected extra argument\(s\) \((.*)\)$"), lambda m: f"多余的参数（{m[1]}）"),
    (re.compile(r"^Option '(.+)' requires an argument\.$"), lambda m: f"选项 {m[1]} 须带一个值"),
    (re.compile(r"^Option '(.+)' requires (\d+) arguments\.$"), lambda m: f"选项 {m[1]} 须带 {m[2]} 个值"),
    (re.compile(r"^Option '(.+)' does not take a value\.$"), lambda m: f"选项 {m[1]} 不带值"),
    (re.compile(r"^Argument '(.+)' takes (\d+) values\.$"), lambda m: f"参数“{m[1]}”须有 {m[2]} 个值"),
    (
        re.compile(r"^Invalid value for (.+?): (.*)$", re.S),
        lambda m: f"{m[1].strip(chr(39))} 的值无效：{_words(m[2])}",
    ),
]
_VALUES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Input should be a valid integer.*$", re.S), "应为整数"),
    (re.compile(r"^Input should be a valid (?:number|float).*$", re.S), "应为数字"),
    (re.compile(r"^Input should be a valid boolean.*$", re.S), "应为是/否值"),
    (re.compile(r"^Input should be a valid date.*$", re.S), "应为日期（YYYY-MM-DD）"),
    (re.compile(r"^'?(.*?)'? is not a valid integer\.?$"), r"“\1”不是整数"),
    (re.compile(r"^'?(.*?)'? is not a valid float\.?$"), r"“\1”不是数字"),
    (re.compile(r"^'?(.*?)'? is not a valid boolean\.?$"), r"“\1”不是是/否值"),
    (re.compile(r"^'?(.*?)'? is not one of (.*)\.?$"), r"“\1”不在可选值 \2 之中"),
    (re.compile(r"^Choose from:?\s*(.*?)\.?$", re.S), r"可选：\1"),
    (re.compile(r"^'?(.*?)'? does not match the formats? (.*)\.?$"), r"“\1”的格式应为 \2"),
    (re.compile(r"^(?:File|Path|Directory) '(.*)' does not exist\.?$"), r"“\1”不存在"),
]


def _words(text: str) -> str:
    text = " ".join(text.split())
    for pattern, chinese_text in _VALUES:
        if pattern.match(text):
            return pattern.sub(chinese_text, text)
    return text


def error_line(message: str) -> str:
    """One of click's usage errors as one line of Chinese (an unknown wording is kept as it is)."""
    message = message.strip()
    for pattern, say in _ERRORS:
        m = pattern.match(message)
        if m:
            return say(m)
    return _words(message)


def _one_line_errors() -> None:
    """A usage error is one line on standard error, in Chinese, with where to find help; the exit code stays 2."""
    import sys

    import typer.rich_utils as rich_utils

    def format_error(self: Any) -> None:
        if self.__class__.__name__ == "NoArgsIsHelpError":  # typer prints the help itself
            return
        ctx = getattr(self, "ctx", None)
        hint = f"（运行 '{ctx.command_path} --help' 查看用法）" if ctx is not None else ""
        sys.stderr.write(f"错误：{error_line(self.format_message())}{hint}\n")

    rich_utils.rich_format_error = format_error


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


# The value types the help shows (<str>, <path> …), and the usage line's placeholders
TYPES = {
    "<str>": "<文本>",
    "<int>": "<整数>",
    "<float>": "<数字>",
    "<bool>": "<开关>",
    "<path>": "<路径>",
    "<file>": "<文件>",
    "<directory>": "<文件夹>",
    "<datetime>": "<日期时间>",
}
USAGE = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]..."}


def _usage_words() -> None:
    import typer.core

    original_type = typer.core._TyperParameter.display_type
    original_pieces = typer.core._click.core.Command.collect_usage_pieces

    def display_type(self: Any, ctx: Any) -> str:
        shown = original_type(self, ctx)
        return TYPES.get(shown, shown)

    def collect_usage_pieces(self: Any, ctx: Any) -> list[str]:
        return [USAGE.get(piece, piece) for piece in original_pieces(self, ctx)]

    def group_pieces(self: Any, ctx: Any) -> list[str]:
        return [*collect_usage_pieces(self, ctx), USAGE.get(self.subcommand_metavar, self.subcommand_metavar)]

    typer.core._TyperParameter.display_type = display_type  # type: ignore[method-assign]
    typer.core._click.core.Command.collect_usage_pieces = collect_usage_pieces  # type: ignore[method-assign]
    typer.core.TyperGroup.collect_usage_pieces = group_pieces  # type: ignore[method-assign]


def install() -> None:
    _vendored()
    _one_line_errors()
    _usage_words()
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
