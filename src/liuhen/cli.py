"""The `liuhen` command (Typer + Rich)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from liuhen import cli_words
from liuhen.agency_settings.cli import settings_app
from liuhen.documents.cli import documents_app

cli_words.install()  # click's and typer's own words in Chinese
app = typer.Typer(help="留痕 liuhen：行政执法全过程记录", no_args_is_help=True, add_completion=False)
token_app = typer.Typer(help="API 令牌", no_args_is_help=True)
app.add_typer(token_app, name="token")
ledger_app = typer.Typer(help="防篡改账本", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
calendar_app = typer.Typer(help="法定工作日日历（节假日与调休）", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")
rules_app = typer.Typer(help="规则表", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
deadlines_app = typer.Typer(help="期限与提醒", no_args_is_help=True)
app.add_typer(deadlines_app, name="deadlines")
app.add_typer(documents_app, name="documents")
app.add_typer(settings_app, name="settings")

out = Console()
err = Console(stderr=True)
T = TypeVar("T")


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuhen.settings")
    import django

    django.setup()


def fail(message: str) -> typer.Exit:
    err.print(f"[red]错误：[/red]{message}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def guarded(fn: Callable[[], T]) -> T:
    """Run ``fn``; a user-caused error becomes one line on stderr and exit 2."""
    from liuhen.core.errors import LiuhenError

    try:
        return fn()
    except LiuhenError as exc:
        raise fail(str(exc)) from None


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _require_current_schema() -> None:
    """Serving a database older than the code would fail on the first page that reads a new column."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = "、".join(f"{m.app_label}.{m.name}" for m, _ in pending[:3]) + ("等" if len(pending) > 3 else "")
        raise fail(f"数据库结构需要升级（{names}）；请先运行 liuhen init，已有数据不会改动")


def _init_jobs() -> None:
    from liuhen.jobs import init_queue

    init_queue()


@app.command()
def init(
    admin_password: Annotated[str | None, typer.Option(help="admin 用户的密码（默认生成并显示一次）")] = None,
) -> None:
    """初始化实例：数据目录、数据库、签名密钥、admin 用户。可重复运行，不会覆盖已有数据。"""
    setup()
    from django.conf import settings

    from liuhen.accounts.services import create_admin, ensure_home
    from liuhen.ledger.rebuild import backfill
    from liuhen.ledger.services import issue_checkpoint
    from liuhen.private import private_instance

    def run() -> None:
        ensure_home()
        _migrate()
        _init_jobs()
        if backfilled := backfill():  # an upgraded instance records what its older events did not carry
            out.print(f"已补记旧版本事件未载明的 {backfilled} 行（ledger.backfilled 事件）")
        _, generated = create_admin(password=admin_password)
        issue_checkpoint()
        private_instance()
        out.print(f"实例已就绪：{settings.HOME}")
        if generated:
            out.print(f"已创建管理员 admin，初始密码（只显示这一次）：[bold]{generated}[/bold]")

    guarded(run)


@app.command()
def demo() -> None:
    """载入演示机关、人员和各阶段的案件（只载入一次）。"""
    setup()
    from liuhen.demo import load_demo

    def run() -> None:
        loaded = load_demo(progress=out.print)
        out.print("演示数据已载入。" if loaded else "演示数据此前已载入，未重复载入。")

    guarded(run)


def _default_workers() -> int:
    """As many serving processes as cores on PostgreSQL; one on SQLite (see `serve`)."""
    from django.db import connection

    return 1 if connection.vendor == "sqlite" else max(1, os.cpu_count() or 1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[
        int | None, typer.Option(help="服务进程数（默认：PostgreSQL 为 CPU 核数，SQLite 为 1）", show_default=False)
    ] = None,
    jobs: Annotated[
        bool | None,
        typer.Option(
            help="同时运行任务队列（默认：内置队列时运行；Redis 队列由 liuhen worker 运行）", show_default=False
        ),
    ] = None,
) -> None:
    """启动网页界面和 API（uvicorn，可多进程），内置队列时并运行任务队列。"""
    setup()
    import uvicorn
    from django.conf import settings

    from liuhen.jobs import consumer as make_consumer
    from liuhen.jobs import describe_queue

    if workers is not None and workers < 1:
        raise fail("--workers 至少为 1")
    if not (settings.HOME / "secret.key").exists() and not os.environ.get("LIUHEN_SECRET_KEY"):
        raise fail(f"实例尚未初始化（{settings.HOME}）；请先运行 liuhen init")
    _require_current_schema()
    cli_ledger.remove_stale_temp()
    from liuhen.ledger.integrator import Background

    integrator = Background()  # new events are in the Merkle tree (and provable) within a fraction of a second
    integrator.start()
    count = workers or _default_workers()
    run_jobs = (not settings.QUEUE_URL) if jobs is None else jobs
    consumer = None
    if run_jobs:
        # In this (supervising) process only, never in each serving process: the queue has one embedded consumer.
        _init_jobs()
        consumer = make_consumer(threads=1)
        consumer.start()
    from django.db import connections

    connections.close_all()  # the serving processes open their own
    os.environ.setdefault("LIUHEN_DB_POOL", "8")  # each serving process: a bounded pool of PostgreSQL connections
    jobs_note = f"，{describe_queue()}由本进程运行" if run_jobs else f"，{describe_queue()}由 liuhen worker 运行"
    out.print(f"留痕已启动：http://{host}:{port}/（{count} 个服务进程{jobs_note}）", highlight=False, soft_wrap=True)
    if count > 1 and str(settings.DATABASES["default"]["ENGINE"]).endswith("sqlite3"):
        # correct on SQLite too (each write, the ledger's appends first, holds the database's write lock), but the
        # writes of all processes then take turns on one file: several processes only help pages that read
        out.print(
            "说明：SQLite 数据库的写入在各服务进程间依次进行，多进程只加快读取；规模部署请用 PostgreSQL", soft_wrap=True
        )
    try:
        from liuhen.web.proxies import uvicorn_options

        uvicorn.run(**uvicorn_options(host, port, workers=count))
    finally:
        integrator.stop()
        if consumer is not None:
            consumer.stop(graceful=True)


@app.command()
def worker(
    threads: Annotated[int, typer.Option(help="本进程同时运行的任务数")] = 2,
) -> None:
    """只运行任务队列（Redis 队列时的独立工作进程，可运行多个；定时任务每分钟只由其中一个放入队列）。"""
    if threads < 1:
        raise fail("--threads 至少为 1")
    setup()
    _require_current_schema()
    cli_ledger.remove_stale_temp()
    from liuhen.jobs import consumer, describe_queue

    _init_jobs()
    out.print(f"任务进程已启动：{describe_queue()}，{threads} 个线程", highlight=False, soft_wrap=True)
    consumer(threads=threads).run()


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option("--user", help="用户名")],
    name: Annotated[str, typer.Option(help="用途说明")] = "",
) -> None:
    """为用户生成 API 令牌并打印（只显示这一次）。"""
    setup()
    from liuhen.accounts.services import create_token, find_user

    token = guarded(lambda: create_token(actor=None, user=find_user(user), name=name))
    typer.echo(token)


@token_app.command("revoke")
def token_revoke(
    user: Annotated[str, typer.Option("--user", help="用户名")],
    prefix: Annotated[str, typer.Option(help="只吊销以此开头的令牌（令牌前 10 个字符）")] = "",
) -> None:
    """吊销用户的 API 令牌（默认全部）。"""
    setup()
    from liuhen.accounts.services import find_user, revoke_tokens

    count = guarded(lambda: revoke_tokens(actor=None, user=find_user(user), prefix=prefix))
    typer.echo(f"已吊销 {count} 个令牌")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


@app.command()
def verify(
    repair_temp: Annotated[bool, typer.Option("--repair-temp", help="先清除中断导入遗留的临时文件")] = False,
) -> None:
    """校验：每个事件的哈希、默克尔树、检查点签名与一致性（含库外检查点日志）、防删改触发器，并由账本重建每一行逐列比对。"""
    setup()
    _require_current_schema()
    if repair_temp:
        cli_ledger.remove_stale_temp()
    from liuhen.ledger.verify import uncovered_events
    from liuhen.ledger.verify import verify as run_verify

    with _progress() as bar:
        task = bar.add_task("校验账本", total=None)

        def tick(done: int, total: int) -> None:
            if done % 1000 == 0 or done == total:
                bar.update(task, completed=done, total=total)

        findings = guarded(lambda: run_verify(progress=tick))
    for f in findings:
        typer.echo(str(f))
    from liuhen.archive.file_disposal import tombstones

    if gone := tombstones():  # rule R6: destroyed by an approved disposal, not lost
        err.print(f"说明：{len(gone)} 个文件已依鉴定销毁（有鉴定意见、批准事件和销毁清单），不属丢失")
    uncovered = uncovered_events()
    if uncovered > 0:
        err.print(f"提示：最新检查点之后还有 {uncovered} 个事件尚未签入检查点（liuhen ledger checkpoint 可立即签发）")
    if findings:
        err.print(f"[red]发现 {len(findings)} 处问题。[/red]")
        raise typer.Exit(1)
    err.print("[green]校验通过：全部记录与账本一致。[/green]")


@ledger_app.command("checkpoint")
def ledger_checkpoint() -> None:
    """立即签发检查点并打印（signed note）。"""
    setup()
    from liuhen.ledger.queries import latest_checkpoint
    from liuhen.ledger.services import issue_checkpoint

    cp = guarded(issue_checkpoint) or latest_checkpoint()
    if cp is None:
        raise fail("账本为空")
    typer.echo(cli_ledger.cosigned_note(cp), nl=False)  # with the witnesses' cosignatures


@ledger_app.command("integrate")
def ledger_integrate() -> None:
    """把已提交的新事件并入默克尔树（liuhen serve 在后台自动进行；多进程部署也由定时任务每分钟进行）。"""
    setup()
    _require_current_schema()
    from liuhen.ledger.integrator import integrate, pending

    size = guarded(integrate)
    waiting = pending()
    out.print(f"默克尔树现有 {size} 个事件。" + (f"另有 {waiting} 个事件等待前序序号的事务结束。" if waiting else ""))


@ledger_app.command("backfill")
def ledger_backfill() -> None:
    """补记旧版本事件未载明的列（个人信息改为加盐承诺值）；数据与账本不符时拒绝，不做任何改动。"""
    setup()
    from liuhen.ledger.rebuild import backfill

    n = guarded(backfill)
    out.print(f"已补记 {n} 行（ledger.backfilled 事件）。" if n else "无须补记：每一行都已由账本事件载明。")


@ledger_app.command("public-key")
def ledger_public_key() -> None:
    """打印检查点验证公钥（signed-note verifier key）。"""
    setup()
    from liuhen.ledger.signing import verifier_key

    typer.echo(guarded(verifier_key))


@ledger_app.command("proof")
def ledger_proof(
    seq: Annotated[int, typer.Argument(metavar="事件序号", help="事件序号")],
    tree_size: Annotated[int | None, typer.Option(help="树大小（默认最新检查点）")] = None,
) -> None:
    """导出一个事件的包含证明（JSON，可用 docs/ledger.md 中的脚本离线验证）。"""
    setup()
    from liuhen.ledger.export import inclusion_bundle

    typer.echo(guarded(lambda: inclusion_bundle(seq, tree_size)))


def _parse_start(value: str, hours: bool) -> Any:
    from datetime import date

    from liuhen.core.periods import LOCAL

    try:
        if hours:
            t = datetime.fromisoformat(value)
            return t if t.tzinfo else t.replace(tzinfo=LOCAL)
        return date.fromisoformat(value)
    except ValueError:
        form = "YYYY-MM-DDTHH:MM（北京时间）" if hours else "YYYY-MM-DD"
        raise fail(f"起算{'时间' if hours else '日期'}“{value}”无效，应为 {form}") from None


@app.command()
def deadline(
    start: Annotated[str, typer.Argument(metavar="起算", help="事件发生的日期（--hours 时为时间）")],
    workdays: Annotated[int | None, typer.Option(help="N 个工作日（T1：当日不计）")] = None,
    days: Annotated[int | None, typer.Option(help="N 日（T1、T2：届满日为休息日的顺延）")] = None,
    months: Annotated[int | None, typer.Option(help="N 个月（至对应日，T2）")] = None,
    hours: Annotated[int | None, typer.Option(help="N 小时（T4：自确切时间起算）")] = None,
) -> None:
    """计算期限届满日（法定工作日日历）。"""
    given = [
        (k, v)
        for k, v in (("workdays", workdays), ("days", days), ("months", months), ("hours", hours))
        if v is not None
    ]
    if len(given) != 1:
        raise fail("请只给出一种期限：--workdays、--days、--months 或 --hours")
    kind, n = given[0]
    if n < 0:
        raise fail("期限不能为负数")
    setup()
    from liuhen.core import calendar
    from liuhen.deadlines.calendar_store import ensure_calendar

    begin = _parse_start(start, kind == "hours")
    ensure_calendar()
    fn = {
        "workdays": calendar.add_workdays,
        "days": calendar.add_days,
        "months": calendar.add_months,
        "hours": calendar.add_hours,
    }[kind]
    result = guarded(lambda: fn(begin, n))
    if isinstance(result, datetime):
        typer.echo(result.isoformat(timespec="minutes"))
    else:
        typer.echo(result.isoformat())


@calendar_app.command("show")
def calendar_show(year: Annotated[int, typer.Argument(metavar="年份", help="年份")]) -> None:
    """显示某年的放假和调休上班日期及其依据。"""
    setup()
    from rich.table import Table

    from liuhen.deadlines.calendar_store import ensure_calendar
    from liuhen.deadlines.models import CalendarImport

    cal = ensure_calendar()
    days = guarded(lambda: cal.special_days(year))
    imported = CalendarImport.objects.filter(year=year).order_by("-id").first()
    source = f"导入：{imported.source}（{imported.imported_at:%Y-%m-%d}）" if imported else "chinesecalendar 官方安排"
    table = Table(title=f"{year} 年节假日与调休 — {source}")
    for col in ("日期", "星期", "类型", "节日"):
        table.add_column(col)
    for d in days:
        table.add_row(
            d.on.isoformat(), "一二三四五六日"[d.on.weekday()], "放假" if d.kind == "holiday" else "调休上班", d.name
        )
    out.print(table)


@calendar_app.command("import")
def calendar_import(
    file: Annotated[
        Path, typer.Argument(metavar="文件", help="CSV（date,kind,name）或 JSON（source, days）", exists=False)
    ],
    source: Annotated[str, typer.Option(help="依据，如“国办发明电〔2026〕X号”（JSON 中可写 source）")] = "",
) -> None:
    """导入国务院公布的某年节假日安排（新导入的年份优先于内置数据）。"""
    if not file.is_file():
        raise fail(f"找不到文件 {file}")
    setup()
    from liuhen.deadlines.calendar_store import import_schedule

    years = guarded(lambda: import_schedule(actor=None, data=file.read_bytes(), filename=file.name, source=source))
    out.print(f"已导入 {'、'.join(map(str, years))} 年节假日安排")


@rules_app.command("export")
def rules_export(
    out_path: Annotated[Path, typer.Option("--out", help="输出文件")] = Path("docs/rules.md"),
    tests: Annotated[Path, typer.Option("--tests", help="测试目录（列出各规则的测试）")] = Path("tests"),
) -> None:
    """由规则表生成 docs/rules.md，列出各规则的状态和验证它的测试。"""
    from liuhen.core.rules.export import render

    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render(tests if tests.is_dir() else None) + "\n", encoding="utf-8")
    out.print(f"已写入 {out_path}")


@deadlines_app.command("scan")
def deadlines_scan() -> None:
    """扫描期限：标记已满的等待期和权利期限，向承办人发送即将到期和逾期提醒。"""
    setup()
    from liuhen.deadlines.services import scan

    r = guarded(scan)
    out.print(
        f"即将到期 {r.due_soon} 项，已逾期 {r.overdue} 项，新提醒 {r.alerts} 条，邮件 {r.emailed} 封，"
        f"期满结束 {r.ended} 项"
    )


# the witness, cosignatures and clean-up after a crash; importing recordings and registering devices
from liuhen import cli_ledger, cli_media  # noqa: E402, F401
from liuhen.archive import cli as archive_cli  # noqa: E402, F401


def main(argv: list[str] | None = None) -> Any:
    return app(args=argv if argv is not None else sys.argv[1:], prog_name="liuhen")


if __name__ == "__main__":
    from liuhen import cli as _cli  # the module whose app the command groups in cli_ledger and cli_media joined

    _cli.main()
