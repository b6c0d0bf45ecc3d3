"""The demo's disclosure: the leader reviews and publishes each drafted entry whose decision is finalised."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from liuhen.accounts.models import User
from liuhen.core.errors import RuleViolation
from liuhen.disclosure import prior, services
from liuhen.disclosure.models import Entry, EntryStatus


def publish_drafts(reviewer: User, progress: Callable[[str], object]) -> int:
    published = 0
    for entry in Entry.objects.filter(status=EntryStatus.DRAFT).order_by("id"):
        try:
            services.publish_entry(actor=reviewer, entry=entry)
        except RuleViolation:
            continue  # its decision document is not finalised yet: it stays a draft for the reviewer's page
        published += 1
    waiting = Entry.objects.filter(status=EntryStatus.DRAFT).count()
    progress(
        f"  行政执法公示：{reviewer.full_name}审核发布 {published} 条，{waiting} 条待决定书定稿后审核（/gongshi/）"
    )
    return published


# The demo agency's 随机抽查事项清单 (rule P1): (类别, 事项, 对象, 方式, 单位序号, 比例和频次, 依据)
DEMO_ITEMS = (
    (
        "key",
        "危险化学品生产、经营单位安全生产条件检查",
        "危险化学品生产、经营企业",
        "现场检查",
        1,
        "每年抽查比例不低于10%",
        "《中华人民共和国安全生产法》第六十五条；《危险化学品安全管理条例》第六条",
    ),
    (
        "key",
        "烟花爆竹经营单位安全生产条件检查",
        "烟花爆竹批发、零售经营单位",
        "现场检查",
        1,
        "每年春节前抽查一次",
        "《烟花爆竹安全管理条例》第六条、第三十四条",
    ),
    (
        "general",
        "工贸企业安全生产主体责任落实情况检查",
        "冶金、有色、建材、机械、轻工、纺织、烟草、商贸企业",
        "现场检查",
        0,
        "每年抽查比例不低于5%",
        "《中华人民共和国安全生产法》第六十五条",
    ),
    (
        "general",
        "生产经营单位安全生产教育和培训情况检查",
        "生产经营单位",
        "现场检查、书面检查",
        0,
        "每年抽查比例不低于3%",
        "《中华人民共和国安全生产法》第二十八条、第六十五条",
    ),
)
LATER_ITEM = (
    "general",
    "粉尘涉爆企业安全生产检查",
    "涉及可燃性粉尘的工贸企业",
    "现场检查",
    0,
    "每年抽查比例不低于10%",
    "《中华人民共和国安全生产法》第六十五条；《粉尘防爆安全规程》（GB 15577）",
)


def _save(keeper: User, units: list[Any], row: tuple[str, str, str, str, int, str, str]) -> None:
    category, name, target, method, unit, frequency, basis = row
    values = {
        "category": category,
        "name": name,
        "target": target,
        "method": method,
        "unit": str(units[unit].pk),
        "frequency": frequency,
        "basis": basis,
    }
    prior.save_item(actor=keeper, agency=units[unit].agency, values=values)


def load_prior(keeper: User, reviewer: User, units: list[Any], progress: Callable[[str], object]) -> None:
    """The unit head keeps the 随机抽查事项清单, the leader publishes the 事前公开 (P1, P11); one item added later
    waits for its update (P4: 20 working days, on the heads' workbenches)."""
    for item in DEMO_ITEMS:
        _save(keeper, units, item)
    version = prior.publish(actor=reviewer, agency=units[0].agency)
    _save(keeper, units, LATER_ITEM)
    row = prior.update_row(units[0].agency)
    progress(
        f"  事前公开：{reviewer.full_name}审核发布第{version.version}版（抽查事项 {len(DEMO_ITEMS)} 项）；"
        f"{keeper.full_name}新增 1 项抽查事项，待于 {row.due_on if row else '—'} 前发布更新（P4）"
    )
