"""`liuhen export` and `liuhen verify-bag`: a case's archival package, and its check with no database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from liuhen.cli import app, err, fail, guarded, out, setup


@app.command("export")
def export(
    case_no: Annotated[str, typer.Argument(metavar="CASE_NO", help="案号，如 明应急罚〔2026〕001号")],
    to: Annotated[Path, typer.Option("--out", help="导出到的新文件夹（不存在或为空）")],
) -> None:
    """导出案件的档案包（BagIt 1.0）：案卷、文书及其结构化内容、原始音像、元数据、账本事件及其证明。"""
    setup()
    from liuhen.archive import bag
    from liuhen.cases.models import Case

    case = Case.objects.filter(case_no=case_no.strip()).first()
    if case is None:
        raise fail(f"没有案号为 {case_no} 的案件")
    done = guarded(lambda: bag.export(actor=None, case=case, out=to))
    sm3 = "SHA-256 与 SM3" if done.sm3 else "SHA-256（本机 OpenSSL 不提供 SM3，未生成 SM3 清单）"
    out.print(
        f"已导出 {case_no} 到 {done.path}：{done.files} 个文件，{done.events} 个账本事件"
        f"（检查点树大小 {done.tree_size}），清单 {sm3}"
    )


@app.command("verify-bag")
def verify_bag(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="档案包文件夹")],
    key: Annotated[
        str, typer.Option("--key", help="本机关公布的验证公钥（留空则用包内的公钥，并显示其编号以便核对）")
    ] = "",
) -> None:
    """校验档案包（无需数据库和服务器）：包的完整性、文件与账本事件、事件的包含证明、检查点签名。"""
    from liuhen.archive.bagcheck import Check

    if not folder.is_dir():
        raise fail(f"找不到文件夹 {folder}")
    check = Check(folder, key or None)
    findings = check.run()
    for note in check.notes:
        err.print(f"说明：{note}", highlight=False, soft_wrap=True)
    for line in findings:
        out.print(f"FAIL {line}", highlight=False, soft_wrap=True)
    if findings:
        raise typer.Exit(1)
    out.print(f"OK {folder}：包完整，每个文件与其账本事件一致，每个事件均在已签名的日志中", highlight=False)
