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
# Its 权责清单 and 服务指南 (rule P1), by the list they belong to
DEMO_LISTS = (
    (
        "powers",
        {
            "category": "penalty",
            "name": "对生产经营单位未按照规定对从业人员进行安全生产教育和培训的行政处罚",
            "basis": "《中华人民共和国安全生产法》第九十七条",
            "duties": "立案责任、调查取证责任、审查责任、告知责任、决定责任、送达责任、执行责任、其他法律法规规章"
            "文件规定应履行的责任",
            "accountability": "因不履行或不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任："
            "没有法律和事实依据实施行政处罚的；违反法定程序实施行政处罚的；其他违反法律法规规章的",
        },
        1,
    ),
    (
        "powers",
        {
            "category": "compulsion",
            "name": "对有根据认为不符合保障安全生产的国家标准或者行业标准的设施、设备、器材以及违法生产、储存、"
            "使用、经营、运输的危险物品予以查封或者扣押",
            "basis": "《中华人民共和国安全生产法》第六十五条第一款第四项",
            "duties": "决定责任、审批责任、实施责任、解除责任",
            "accountability": "违法实施查封、扣押，或者在法定期限内不作出处理决定的",
        },
        0,
    ),
    (
        "service_guides",
        {
            "name": "危险化学品经营许可证核发（不带储存设施）",
            "approver": "明山区应急管理局",
            "conditions": "有符合国家标准、行业标准的经营场所；从业人员经过专业技术培训并经考核合格；有健全的安全生产"
            "规章制度和岗位操作规程；有符合国家规定的危险化学品事故应急预案和必要的应急救援器材、设备",
            "materials": "申请书；经营场所产权证明或租赁证明；主要负责人、安全管理人员的安全资格证书；安全生产规章制度"
            "和岗位操作规程目录清单；事故应急预案",
            "time_limit": "自受理申请之日起20个工作日（法定30日）",
            "basis": "《危险化学品安全管理条例》第三十三条、第三十四条、第三十五条",
        },
        1,
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
    """The unit head keeps the 随机抽查事项清单, the 权责清单 and the 服务指南, the leader publishes the 事前公开
    (P1, P11); one item added later
    waits for its update (P4: 20 working days, on the heads' workbenches)."""
    for item in DEMO_ITEMS:
        _save(keeper, units, item)
    for kept, values, unit in DEMO_LISTS:
        prior.save_item(actor=keeper, agency=units[0].agency, values={**values, "unit": str(units[unit].pk)}, kept=kept)
    version = prior.publish(actor=reviewer, agency=units[0].agency)
    _save(keeper, units, LATER_ITEM)
    row = prior.update_row(units[0].agency)
    progress(
        f"  事前公开：{reviewer.full_name}审核发布第{version.version}版（抽查事项 {len(DEMO_ITEMS)} 项，"
        f"权责清单、服务指南 {len(DEMO_LISTS)} 项）；"
        f"{keeper.full_name}新增 1 项抽查事项，待于 {row.due_on if row else '—'} 前发布更新（P4）"
    )
