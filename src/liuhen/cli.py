"""The `liuhen` command (Typer + Rich)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

app = typer.Typer(help="留痕 liuhen：行政执法全过程记录", no_args_is_help=True, add_completion=False)
token_app = typer.Typer(help="API 令牌", no_args_is_help=True)
app.add_typer(token_app, name="token")
ledger_app = typer.Typer(help="防篡改账本", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")

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


def _init_jobs() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.storage.initialize_schema()


@app.command()
def init(
    admin_password: Annotated[str | None, typer.Option(help="admin 用户的密码（默认生成并显示一次）")] = None,
) -> None:
    """初始化实例：数据目录、数据库、签名密钥、admin 用户。可重复运行，不会覆盖已有数据。"""
    setup()
    from django.conf import settings

    from liuhen.accounts.services import create_admin, ensure_home
    from liuhen.ledger.services import issue_checkpoint

    def run() -> None:
        ensure_home()
        _migrate()
        _init_jobs()
        _, generated = create_admin(password=admin_password)
        issue_checkpoint()
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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    jobs: Annotated[bool, typer.Option(help="同时在本进程运行定时任务（检查点签发等）")] = True,
) -> None:
    """启动网页界面和 API（uvicorn），并在本进程运行任务队列。"""
    setup()
    import uvicorn
    from django.conf import settings

    if not (settings.HOME / "secret.key").exists() and not os.environ.get("LIUHEN_SECRET_KEY"):
        raise fail(f"实例尚未初始化（{settings.HOME}）；请先运行 liuhen init")
    consumer = None
    if jobs:
        from huey.contrib.djhuey import HUEY

        _init_jobs()
        consumer = HUEY.create_consumer(workers=1, worker_type="thread", periodic=True)
        consumer.start()
    out.print(f"留痕已启动：http://{host}:{port}/")
    try:
        uvicorn.run("liuhen.web.asgi:application", host=host, port=port, log_level="info", lifespan="off")
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


@app.command()
def worker() -> None:
    """只运行任务队列（使用 PostgreSQL 部署时的独立工作进程）。"""
    setup()
    from huey.contrib.djhuey import HUEY

    _init_jobs()
    HUEY.create_consumer(workers=2, worker_type="thread", periodic=True).run()


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


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err, transient=False)


@app.command()
def verify() -> None:
    """校验：每个事件的哈希、默克尔树、检查点签名与一致性、防删改触发器、案件与账本是否相符。"""
    setup()
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
    typer.echo(cp.note, nl=False)


@ledger_app.command("public-key")
def ledger_public_key() -> None:
    """打印检查点验证公钥（signed-note verifier key）。"""
    setup()
    from liuhen.ledger.signing import verifier_key

    typer.echo(guarded(verifier_key))


@ledger_app.command("proof")
def ledger_proof(
    seq: Annotated[int, typer.Argument(help="事件序号")],
    tree_size: Annotated[int | None, typer.Option(help="树大小（默认最新检查点）")] = None,
) -> None:
    """导出一个事件的包含证明（JSON，可用 docs/ledger.md 中的脚本离线验证）。"""
    setup()
    from liuhen.ledger.export import inclusion_bundle

    typer.echo(guarded(lambda: inclusion_bundle(seq, tree_size)))


def main(argv: list[str] | None = None) -> Any:
    return app(args=argv if argv is not None else sys.argv[1:], prog_name="liuhen")


if __name__ == "__main__":
    main()
