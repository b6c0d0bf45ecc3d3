"""`liuhen export` and `liuhen verify-bag`: a case's archival package, and its check with no database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from liuhen.cli import app, err, fail, guarded, out, setup


@app.command("export")
def export(
    case_no: Annotated[str, typer.Argument(metavar="案号", help="案号，如 明应急罚〔2026〕001号")],
    to: Annotated[Path, typer.Option("--out", help="导出到的新文件夹（不存在或为空）")],
) -> None:
    """导出案件的档案包（BagIt 1.0）：案卷、文书及其结构化内容、原始音像、元数据、账本事件及其证明。"""
    setup()
    from liuhen.archive import bag
    from liuhen.cases.models import Case, by_number

    case = Case.objects.filter(by_number(case_no)).first()
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
    folder: Annotated[Path, typer.Argument(metavar="文件夹", help="档案包文件夹")],
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


@app.command("backup")
def backup(
    to: Annotated[str, typer.Option("--to", help="备份位置：file:///文件夹 或 s3://存储桶/前缀")],
) -> None:
    """备份（R13）：数据库一致快照、尚未备份的音像和文书文件、检查点日志，附签名清单；可重复执行，只复制新增文件。"""
    setup()
    from liuhen.archive.backup import backup as run

    done = guarded(lambda: run(to))
    out.print(
        f"已备份到 {to}：快照 {done.snapshot}，{done.events} 个账本事件，"
        f"文件 {done.blobs} 个（新增 {done.new_blobs} 个）"
    )


@app.command("restore")
def restore(
    source: Annotated[str, typer.Option("--from", help="备份位置：file:///文件夹 或 s3://存储桶/前缀")],
    snapshot: Annotated[str, typer.Option(help="快照名（默认最新）")] = "",
    key: Annotated[str, typer.Option("--key", help="应签发该备份的验证公钥（留空则用备份所附密钥）")] = "",
) -> None:
    """把备份恢复到新建的空实例（LIUHEN_HOME 指向的新文件夹或空数据库），之后请运行 liuhen verify。"""
    setup()
    from liuhen.accounts.services import ensure_home
    from liuhen.archive.backup import restore as run
    from liuhen.cli import _init_jobs, _migrate

    def steps() -> dict[str, object]:
        ensure_home()  # its new signing key is replaced by the backup's
        _migrate()
        _init_jobs()
        return run(source, snapshot=snapshot, key=key)

    done = guarded(steps)
    out.print(
        f"已恢复快照 {done['snapshot']}（来自 {done['engine']}）：{done['events']} 个账本事件，{done['blobs']} 个文件；"
        "请运行 liuhen verify 校验"
    )


@app.command("check-package")
def check_package(
    case_no: Annotated[str, typer.Argument(metavar="案号", help="案号")],
    to: Annotated[Path, typer.Option("--out", help="报告和档案包写入的新文件夹")],
) -> None:
    """四性检测（DA/T 70 归档环节）：导出档案包并逐项检测，生成 JSON 和 PDF 报告，结果记入账本。"""
    setup()
    from liuhen.archive.inspection import inspect_case
    from liuhen.cases.models import Case, by_number

    case = Case.objects.filter(by_number(case_no)).first()
    if case is None:
        raise fail(f"没有案号为 {case_no} 的案件")
    done = guarded(lambda: inspect_case(actor=None, case=case, out=to))
    for item in done.report["items"]:
        mark = "通过" if item["passed"] else "不通过：" + "；".join(item["findings"])
        out.print(f"{item['code']} {item['name']}：{mark}", highlight=False, soft_wrap=True)
    out.print(f"报告：{done.json_path}、{done.pdf_path}")
    if not done.passed:
        raise typer.Exit(1)


@app.command("check-pdfa")
def check_pdfa(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="要检查的 PDF 文件")],
) -> None:
    """检查 PDF 文件的 PDF/A 要求（文件结构、输出意图、字体嵌入、元数据等），按条款列出不符合项。"""
    from liuhen.archive import pdfa

    bad = 0
    for path in files:
        if not path.is_file():
            raise fail(f"找不到文件 {path}")
        report = pdfa.check(path.read_bytes())
        level = f"PDF/A-{report.part}{report.conformance.lower()}" if report.part else "无 PDF/A 标识"
        if report.passed:
            out.print(f"OK {path}（{level}）", highlight=False)
            continue
        bad += 1
        for finding in report.findings:
            out.print(f"FAIL {path}（{level}）：{finding}", highlight=False, soft_wrap=True)
    if bad:
        raise typer.Exit(1)
