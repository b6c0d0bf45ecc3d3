"""`liuhen settings show|set`: an agency's settings from the command line (the same command as the page)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

settings_app = typer.Typer(help="机关设置（期限、复制审批人等，各有默认值及依据）", no_args_is_help=True)


def _agency(name: str) -> Any:
    from liuhen.accounts.models import Agency
    from liuhen.cli import fail

    if name:
        agency = Agency.objects.filter(name=name).first() or Agency.objects.filter(short_name=name).first()
        if agency is None:
            raise fail(f"机关“{name}”不存在")
        return agency
    agencies = list(Agency.objects.order_by("id")[:2])
    if len(agencies) != 1:
        raise fail("请用 --agency 指明机关（名称或简称）" if agencies else "尚无机关：请先载入或创建机关")
    return agencies[0]


@settings_app.command("show")
def settings_show(
    agency: Annotated[str, typer.Option(help="机关名称或简称（只有一个机关时可省略）")] = "",
    history: Annotated[bool, typer.Option("--history", help="同时列出修改记录")] = False,
) -> None:
    """显示机关各项设置的现行值、依据和可设范围（每项一行）。"""
    from liuhen.cli import setup

    setup()
    from django.utils.timezone import localtime

    from liuhen.agency_settings import queries

    chosen = _agency(agency)
    typer.echo(f"{chosen.name} 机关设置")
    for r in queries.settings_rows(chosen):
        flag = (
            "默认" if r["is_default"] else f"{r['set_by']} 设置，{localtime(r['effective_from']):%Y-%m-%d %H:%M} 起施行"
        )
        typer.echo(f"{r['key']}\t{r['title']}：{r['value_text']}（{flag}；依据：{r['source']}；可设：{r['accepts']}）")
    if history:
        typer.echo("修改记录")
        for h in queries.history_rows(chosen):
            typer.echo(
                f"{localtime(h['set_at']):%Y-%m-%d %H:%M}\t{h['key']}\t{h['value_text']}\t"
                f"{localtime(h['effective_from']):%Y-%m-%d %H:%M} 起\t{h['set_by']}\t{h['reason']}"
            )


@settings_app.command("set")
def settings_set(
    key: Annotated[
        str, typer.Argument(metavar="设置项", help="设置项，如 D7、R10.copy_approver（liuhen settings show 列出）")
    ],
    value: Annotated[str, typer.Argument(metavar="新值", help="新值，如 60 或 leader")],
    reason: Annotated[str, typer.Option("--reason", help="理由（如所依据的本机关规定）")],
    agency: Annotated[str, typer.Option(help="机关名称或简称（只有一个机关时可省略）")] = "",
    by: Annotated[str, typer.Option("--by", help="修改人：本机关或本实例的系统管理员（用户名）")] = "admin",
    effective_from: Annotated[str, typer.Option("--from", help="施行时间（北京时间，默认立即）")] = "",
) -> None:
    """修改一项机关设置（须由系统管理员说明理由；记入防篡改账本）。"""
    from liuhen.cli import _parse_start, guarded, out, setup

    setup()
    from django.utils.timezone import localtime

    from liuhen.accounts.services import find_user
    from liuhen.agency_settings.services import set_setting
    from liuhen.core.rules.agency_settings import spec

    start = _parse_start(effective_from, hours=True) if effective_from else None
    row = guarded(
        lambda: set_setting(
            actor=find_user(by), agency=_agency(agency), key=key, value=value, reason=reason, effective_from=start
        )
    )
    s = spec(row.key)
    out.print(
        f"已修改：{s.title} = {s.value_text(row.value)}（自 {localtime(row.effective_from):%Y-%m-%d %H:%M} 起施行）"
    )
