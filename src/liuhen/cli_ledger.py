"""More of the `liuhen` command: cleaning up after a crash, and witnesses cosigning the ledger's checkpoints.

`liuhen witness …` is what another agency or the supervising office runs, on its own machine, with a folder
of its own (its key and what it has seen); it needs no instance. `liuhen ledger witness-request / cosign /
witnesses` are the instance's side.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from liuhen.cli import app, err, fail, guarded, ledger_app, out, setup

if TYPE_CHECKING:
    from liuhen.ledger.models import Checkpoint

witness_app = typer.Typer(help="见证方：核对账本检查点的一致性并副署（C2SP tlog-witness）", no_args_is_help=True)
app.add_typer(witness_app, name="witness")

FolderOption = Annotated[Path, typer.Option("--dir", help="见证方目录（密钥与已见状态）")]


def remove_stale_temp() -> None:
    """Temporary ingest files left by an import that crashed (none that a running import holds)."""
    from liuhen.media.tempfiles import remove_stale

    for t in remove_stale():
        err.print(f"已清除中断导入遗留的临时文件 {t.path}（{t.size} 字节）", highlight=False)


def cosigned_note(cp: Checkpoint) -> str:
    """The checkpoint with its witnesses' cosignature lines."""
    from liuhen.ledger import cosigning

    return cosigning.cosigned_note(cp)


def _read(source: Path | None) -> bytes:
    if source is None or str(source) == "-":
        return sys.stdin.buffer.read()
    if not source.is_file():
        raise fail(f"找不到文件 {source}")
    return source.read_bytes()


@witness_app.command("init")
def witness_init(
    folder: FolderOption,
    name: Annotated[str, typer.Option(help="见证方名称，如 jiandu.example.gov.cn/witness")],
) -> None:
    """建立见证方：生成自己的 Ed25519 密钥，打印见证方公钥（交给账本一方配置在 LIUHEN_WITNESSES）。"""
    from liuhen.ledger.witness import Witness

    w = guarded(lambda: Witness.create(folder, name))
    typer.echo(w.vkey())


@witness_app.command("trust")
def witness_trust(
    folder: FolderOption,
    log_key: Annotated[str, typer.Argument(metavar="验证公钥", help="账本的验证公钥（liuhen ledger public-key）")],
) -> None:
    """登记要见证的账本（其检查点验证公钥）。"""
    from liuhen.ledger.witness import Witness

    origin = guarded(lambda: Witness(folder).trust(log_key))
    out.print(f"已登记账本 {origin}", highlight=False)


@witness_app.command("add-checkpoint")
def witness_add_checkpoint(
    folder: FolderOption,
    request: Annotated[
        Path | None, typer.Argument(metavar="请求文件", help="add-checkpoint 请求（默认读标准输入）")
    ] = None,
) -> None:
    """核对一个检查点与上次副署的一致性；成立则记下并打印副署签名行，否则以一行说明拒绝（退出码 2）。"""
    from liuhen.ledger.witness import SIZE_CONTENT_TYPE, Witness

    answer = guarded(lambda: Witness(folder).add_checkpoint(_read(request)))
    if answer.status != 200:
        if answer.content_type == SIZE_CONTENT_TYPE:
            held = answer.body.strip()
            raise fail(f"（{answer.status}）见证方上次副署的树大小为 {held}：请以 --old {held} 重新生成请求")
        raise fail(f"（{answer.status}）{answer.body.strip()}")
    typer.echo(answer.body, nl=False)


@witness_app.command("serve")
def witness_serve(
    folder: FolderOption,
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8600,
) -> None:
    """以 HTTP 提供 POST /add-checkpoint（C2SP tlog-witness），供账本一方自动取得副署。"""
    from liuhen.ledger.witness import Witness, http_server

    w = Witness(folder)
    name = guarded(lambda: w.name)
    server = http_server(w, host, port)
    out.print(f"见证方 {name} 已启动：http://{host}:{server.server_address[1]}/add-checkpoint", highlight=False)
    try:
        server.serve_forever()
    finally:
        server.server_close()


@ledger_app.command("witness-request")
def ledger_witness_request(
    witness: Annotated[str, typer.Option(help="见证方名称（由其上次副署的大小起证明一致性）")] = "",
    old: Annotated[int | None, typer.Option(help="见证方上次副署的树大小（不给时按已保存的副署推算）")] = None,
) -> None:
    """为最新检查点生成 add-checkpoint 请求（交给离线的见证方：liuhen witness add-checkpoint）。"""
    setup()
    from liuhen.ledger import cosigning
    from liuhen.ledger.queries import latest_checkpoint

    cp = latest_checkpoint()
    if cp is None:
        raise fail("尚未签发检查点")
    size = old if old is not None else (cosigning.last_cosigned_size(witness) if witness else 0)
    typer.echo(guarded(lambda: cosigning.request_body(cp, size)).decode("utf-8"), nl=False)


@ledger_app.command("cosign")
def ledger_cosign(
    answer: Annotated[
        Path | None, typer.Argument(metavar="副署文件", help="见证方给出的副署签名行（默认读标准输入）")
    ] = None,
    tree_size: Annotated[int | None, typer.Option(help="所副署检查点的树大小（默认最新）")] = None,
) -> None:
    """保存见证方的副署（须为 LIUHEN_WITNESSES 中见证方的有效签名），记入账本。"""
    setup()
    from liuhen.ledger import cosigning
    from liuhen.ledger.models import Checkpoint

    qs = Checkpoint.objects.order_by("-tree_size", "-id")
    cp = (qs.filter(tree_size=tree_size) if tree_size is not None else qs).first()
    if cp is None:
        raise fail("没有该检查点")
    text = _read(answer).decode("utf-8", "replace")
    events = guarded(lambda: cosigning.record(actor=None, checkpoint=cp, answer=text))
    out.print(f"已保存 {len(events)} 个副署（树大小 {cp.tree_size}）")


@ledger_app.command("witnesses")
def ledger_witnesses() -> None:
    """请已配置地址的见证方副署最新检查点，并列出其副署。"""
    setup()
    from liuhen.ledger import cosigning
    from liuhen.ledger.queries import latest_checkpoint

    results = guarded(cosigning.push)
    for r in results:
        (out if r.ok else err).print(f"{r.witness}: {r.message}", highlight=False)
    cp = latest_checkpoint()
    if cp is not None:
        typer.echo(cosigning.cosigned_note(cp), nl=False)
    if any(not r.ok for r in results):
        raise typer.Exit(1)


@app.command("search-reindex")
def search_reindex() -> None:
    """重建案件全文检索表（案号、当事人、案由、简要案情的分词）：检索表由案件和当事人派生，随时可重建。"""
    setup()
    from django.db import transaction

    from liuhen.search.index import reindex_all

    with transaction.atomic():
        n = guarded(reindex_all)
    out.print(f"已重建 {n} 件案件的检索词", highlight=False)
