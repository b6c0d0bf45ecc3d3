"""More of the `liuhen` command: importing a dock's recordings and registering body cameras."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from liuhen.cli import _parse_start, app, err, fail, guarded, out, setup


@app.command("import-media")
def import_media(
    folder: Annotated[Path, typer.Argument(metavar="文件夹", help="采集站导出的文件夹")],
    device: Annotated[str, typer.Option("--device", help="设备编号")],
    returned_at: Annotated[str, typer.Option(help="异地或连续执法的返回时间（北京时间，R1：返回后24小时内）")] = "",
) -> None:
    """导入执法记录仪的音像文件：可中断后续传，同一文件只存一份，按执法人员和时间自动归入案件。"""
    setup()
    from liuhen.media.importer import import_folder, media_files
    from liuhen.media.services import check_device_number

    if not folder.is_dir():
        raise fail(f"找不到文件夹 {folder}")
    device = guarded(lambda: check_device_number(device))
    files = media_files(folder)
    total = sum(p.stat().st_size for p in files)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
    ) as bar:
        task = bar.add_task(f"导入 {len(files)} 个文件", total=total)

        def tick(name: str, size: int) -> None:
            bar.update(task, advance=size, description=name)

        back = _parse_start(returned_at, hours=True) if returned_at else None
        r = guarded(lambda: import_folder(actor=None, folder=folder, device_no=device, progress=tick, returned_at=back))
    out.print(
        f"新导入 {r.ingested} 个（{r.bytes / 1e6:.1f} MB），此前已导入 {r.already} 个；归入案件 {r.linked} 个，"
        f"待分配 {r.unlinked} 个；超过24小时上传 {r.late} 个（R1）"
    )
    for line in r.failed:
        err.print(f"[yellow]未导入：[/yellow]{line}")
    if r.failed:
        raise typer.Exit(1)


@app.command("device")
def device_register(
    number: Annotated[str, typer.Argument(metavar="设备编号", help="设备编号")],
    officer: Annotated[str, typer.Option(help="使用人（用户名）")] = "",
    model: Annotated[str, typer.Option(help="型号")] = "",
) -> None:
    """登记一台执法记录仪并分配给执法人员（DV1）。"""
    setup()
    from liuhen.accounts.models import Agency
    from liuhen.accounts.services import find_user
    from liuhen.media.services import check_device_number, register_device

    number = guarded(lambda: check_device_number(number))

    def run() -> None:
        user = find_user(officer) if officer else None
        agency = user.agency if user and user.agency else Agency.objects.order_by("id").first()
        if agency is None:
            raise fail("尚无机关：请先载入或创建机关")
        register_device(actor=None, agency_id=agency.pk, number=number, officer=user, model_name=model)
        out.print(f"已登记设备 {number}" + (f"，使用人 {user.display_name}" if user else ""))

    guarded(run)
