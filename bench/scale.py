"""Province-scale lists, search and reads: generate N cases, then time the requests an officer and a leader make.

    LIUHEN_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/liuhen_scale python bench/scale.py --cases 1000000
    ... python bench/scale.py --cases 1000000 --reuse      # measure again without generating

The database that ``LIUHEN_DATABASE_URL`` names is migrated and filled (it must be empty, or hold a previous run
of this script with ``--reuse``). What it writes, fast, by COPY (see docs/performance.md):

- a province agency (机关) over 20 city agencies, each with 5 units of 10 officers and a leader: these through the
  real account services (and their ledger events), except the officers, written as rows;
- N cases spread evenly over the units and over three years, each with one party (an organisation named from
  pools of places, trades and forms), two officers of its unit, a cause and a summary from pools of the real
  kinds, a procedure and one of its stages; the search table's row for each (segmented by jieba, as the
  application writes it);
- one ``case.created`` ledger event per case, chained into the Merkle tree exactly as the integrator would
  (leaf hash, and the tree row with the subtree hashes it completes), so appends, proofs and the case
  timeline work on top of them.
  Its body names the case number and cause; it carries no row images, so ``liuhen verify`` on this database
  reports the generated rows as written without their images: the generator is for reads, not for verify.

Then, in-process through Django's full request path (middleware, bearer-token authentication, the permission
table, the query, serialisation; no network), each request is made ``--repeat`` times, in rounds (each request
once per round, so the noise of a shared machine falls on all alike), and its p50/p95 printed beside the p95 of
the baseline, the smallest authenticated request (``/api/v1/me``) timed in the same rounds:
the first page for an officer (his unit's and own cases), a page 90 % deep for the province leader, ``mine=true``,
a filter by procedure and stage, a search for 化工 (officer, and leader over the province), one case read
through the API (a registered read: a ledger append), and the case page (HTML) for its server time.

The last line: RESULT scale cases=N list_p95_ms=… deep_p95_ms=… mine_p95_ms=… filter_p95_ms=… search_p95_ms=…
read_p95_ms=… page_p95_ms=… search_leader_p95_ms=… baseline_p95_ms=…
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
AGENCIES, UNITS, OFFICERS = 20, 5, 10
PLACES = [
    "东城",
    "西城",
    "朝阳",
    "海淀",
    "丰台",
    "石景山",
    "通州",
    "顺义",
    "昌平",
    "大兴",
    "怀柔",
    "平谷",
    "密云",
    "延庆",
    "门头沟",
    "房山",
    "滨海",
    "高新",
    "临港",
    "开发区",
]
TRADES = [
    "化工",
    "建材",
    "物流",
    "餐饮",
    "机械",
    "纺织",
    "电子",
    "医药",
    "食品",
    "印刷",
    "家具",
    "塑料",
    "冶金",
    "汽修",
    "仓储",
    "燃气",
    "烟花",
    "矿业",
    "酒店",
    "商贸",
]
FORMS = ["有限公司", "股份有限公司", "经营部", "加工厂", "商行", "制品厂"]
CAUSES = [
    "未按规定进行安全生产教育培训",
    "未按规定贮存危险化学品",
    "未按规定设置安全警示标志",
    "生产经营场所消防通道堵塞",
    "特种作业人员未持证上岗",
    "未按规定建立事故隐患排查治理制度",
    "未对重大危险源登记建档",
    "使用国家明令淘汰的工艺设备",
    "未按规定配备劳动防护用品",
    "未如实记录安全生产教育培训情况",
]
SUMMARIES = [
    "执法人员现场检查发现该单位仓库内物品堆放占用疏散通道，现场负责人在场。",
    "根据群众举报，执法人员对该单位进行检查，发现作业人员未持有效证件上岗作业。",
    "检查发现该单位危险化学品与普通物品混存，未设置明显标志。",
    "上级交办线索，经核查该单位未开展年度安全培训，台账缺失。",
    "执法人员调取监控录像，确认违法行为持续三个月，当事人承认违法事实。",
]
PROCEDURES = {
    "general_procedure": ["intake", "filed", "investigation", "review", "decided", "closed"],
    "simplified_procedure": ["intake", "decided", "closed"],
    "inspection": ["planned", "inspecting", "closed"],
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def setup_django() -> None:
    url = os.environ.get("LIUHEN_DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("bench/scale.py: set LIUHEN_DATABASE_URL to a PostgreSQL database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuhen.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def valid_stages() -> dict[str, list[str]]:
    from liuhen.core import stages

    out = {}
    for p, wanted in PROCEDURES.items():
        have = {s.value for s in stages.stages_of(stages.Procedure(p))}
        out[p] = [s for s in wanted if s in have] or [stages.INITIAL_STAGE[stages.Procedure(p)].value]
    return out


def make_people() -> dict:
    """Agencies and units through the services; officers as rows; the measured users with tokens."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from liuhen.accounts import services as accounts
    from liuhen.accounts.models import Role, User

    with transaction.atomic():
        province = accounts.create_agency(actor=None, name="省应急管理厅", short_name="省应急")
        leader = accounts.create_user(
            actor=None,
            username="p_leader",
            password="Bench-pass-2026!",
            full_name="省厅负责人",
            role=Role.LEADER,
            agency=province,
            unit=None,
        )
        units, officers = [], {}
        password = make_password("Bench-pass-2026!")
        for a in range(AGENCIES):
            agency = accounts.create_agency(
                actor=None, name=f"{PLACES[a]}区应急管理局", short_name=f"{PLACES[a]}应急", parent=province
            )
            for u in range(UNITS):
                unit = accounts.create_unit(actor=None, agency=agency, name=f"执法{u + 1}大队")
                units.append(unit)
                rows = [
                    User(
                        username=f"o{a}_{u}_{i}",
                        full_name=f"执法员{a}-{u}-{i}",
                        role=Role.OFFICER,
                        agency=agency,
                        unit=unit,
                        password=password,
                    )
                    for i in range(OFFICERS)
                ]
                officers[unit.pk] = [x.pk for x in User.objects.bulk_create(rows)]
        officer = User.objects.get(username="o0_0_0")
        tokens = {
            "officer": accounts.create_token(actor=None, user=officer),
            "leader": accounts.create_token(actor=None, user=leader),
        }
    return {"units": units, "officers": officers, "tokens": tokens}


class Chain:
    """The Merkle tree's right edge, continued from the database: each new leaf's subtree hashes as
    ``ledger.append`` computes them."""

    def __init__(self) -> None:
        from liuhen.core import merkle
        from liuhen.ledger.integrator import integrate
        from liuhen.ledger.queries import node_hashes
        from liuhen.ledger.services import log_size

        self.merkle = merkle
        self.size = integrate()  # the events already there, in the tree; the generated ones follow
        if self.size != log_size():
            raise SystemExit("the ledger has events that cannot be integrated yet; try again")
        edge = merkle.range_nodes(0, self.size) if self.size else []
        hashes = node_hashes(edge)  # the right edge of the tree so far, as the integrator resumes it
        self.stack = [(node[0], hashes[node]) for node in edge]

    def add(self, leaf: bytes) -> bytes:
        h, subtrees, level = leaf, b"", 0
        while self.stack and self.stack[-1][0] == level:
            h = self.merkle.node_hash(self.stack.pop()[1], h)
            subtrees += h
            level += 1
        self.stack.append((level, h))
        self.size += 1
        return subtrees


def generate(n: int, people: dict, seed: int = 16) -> None:
    from django.db import connection, transaction

    from liuhen.core import canonical
    from liuhen.ledger.envelope import event_leaf_data
    from liuhen.ledger.models import Event
    from liuhen.search.index import text_of
    from liuhen.search.segment import words

    @cache
    def cached(text: str) -> str:
        return " ".join(words(text))

    def head_of(prefix: str, year: int, k: int, party: str, cause: str) -> str:
        # the words of a case number are its prefix's, the year, the number and 号 (checked on the first rows)
        return f"{cached(prefix)} {year} {k} 号 {cached(party)} {cached(cause)}"

    rnd = random.Random(seed)
    stages_by = valid_stages()
    procs = list(stages_by)
    units = people["units"]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    span = 3 * 365 * 86400
    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM cases_case")
        first_id = c.fetchone()[0] + 1
    # created_at rises with the id, as in life; the sequence of events follows
    stamps = sorted(rnd.randrange(span) for _ in range(n))
    chain = Chain()
    case_cols = [
        "id",
        "agency_id",
        "unit_id",
        "case_no",
        "procedure",
        "stage",
        "cause",
        "source",
        "summary",
        "is_major",
        "penalty_kind",
        "extensions",
        "serious_harm",
        "created_by_id",
        "created_at",
        "stage_changed_at",
        "ledger_salt",
        "intake_no",  # generated cases go by their 罚 number from the start, as cases registered before 案源登记号
        "violation_place",
    ]
    party_cols = [
        "case_id",
        "kind",
        "name",
        "id_number",
        "legal_representative",
        "address",
        "phone",
        "created_at",
        "ledger_salt",
    ]
    text_cols = ["case_id", "agency_id", "unit_id", "head", "body"]
    event_cols = [
        "seq",
        "at",
        "actor",
        "actor_id",
        "action",
        "subject_type",
        "subject_id",
        "case_ref",
        "body",
        "leaf_hash",
    ]
    batch = 20_000
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        raw = c.cursor
        for lo in range(0, n, batch):
            cases, parties, officers, texts, events, tree = [], [], [], [], [], []
            for i in range(lo, min(n, lo + batch)):
                cid = first_id + i
                unit = units[i % len(units)]
                proc = procs[i % 7 % 3]
                stage = rnd.choice(stages_by[proc])
                at = start + timedelta(seconds=stamps[i], microseconds=i % 1_000_000)
                case_no = f"{unit.agency.short_name}罚〔{at.year}〕{i + 1}号"
                cause = CAUSES[rnd.randrange(len(CAUSES))]
                summary = SUMMARIES[rnd.randrange(len(SUMMARIES))]
                party = PLACES[rnd.randrange(20)] + "某某" + TRADES[rnd.randrange(20)] + FORMS[rnd.randrange(6)]
                crew = people["officers"][unit.pk]
                who = rnd.sample(crew, 2)
                salt = hashlib.md5(str(cid).encode()).hexdigest()
                cases.append(
                    (
                        cid,
                        unit.agency_id,
                        unit.pk,
                        case_no,
                        proc,
                        stage,
                        cause,
                        "inspection",
                        summary,
                        False,
                        "",
                        0,
                        False,
                        who[0],
                        at,
                        at,
                        salt,
                        "",
                        "",
                    )
                )
                parties.append((cid, "organisation", party, "", "", "", "", at, salt))
                officers += [(cid, who[0], True, unit.pk, at), (cid, who[1], False, unit.pk, at)]
                head = head_of(f"{unit.agency.short_name}罚", at.year, i + 1, party, cause)
                if i < 50:
                    assert head == text_of(case_no, cause, summary, [party])["head"], (head, case_no)
                texts.append((cid, unit.agency_id, unit.pk, head, cached(summary)))
                body = {"case_no": case_no, "cause": cause, "generated": True}
                ev = Event(
                    seq=chain.size,
                    at=at,
                    actor=f"o{who[0]}",
                    actor_id=who[0],
                    action="case.created",
                    subject_type="case",
                    subject_id=str(cid),
                    case_ref=cid,
                    body=canonical.dumps(body).decode(),
                )
                leaf = chain.merkle.leaf_hash(event_leaf_data(ev, body))
                subtrees = chain.add(leaf)
                events.append((ev.seq, at, ev.actor, who[0], ev.action, "case", str(cid), cid, ev.body, leaf))
                tree.append((ev.seq, leaf, subtrees))
            for table, cols, rows in (
                ("cases_case", case_cols, cases),
                ("cases_party", party_cols, parties),
                ("cases_caseofficer", ["case_id", "user_id", "is_lead", "case_unit_id", "case_created_at"], officers),
                ("search_casetext", text_cols, texts),
                ("ledger_event", event_cols, events),
                ("ledger_tree", ["seq", "leaf_hash", "subtree_hashes"], tree),
            ):
                with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
            done = min(n, lo + batch)
            log(f"  {done:,} cases ({done / (time.perf_counter() - t0):,.0f}/s)")
        c.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s)", [first_id + n - 1])
        c.execute("SELECT setval('ledger_event_seq', %s, false)", [chain.size])  # appends go on after them
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")  # the statistics, and the visibility map for index-only reads


def timed_rounds(rows: list[tuple], repeat: int) -> dict[str, list[float]]:  # type: ignore[type-arg]
    """Each request once per round, the rounds one after another: noise from other work on the machine falls on
    every request alike instead of on whichever ran at the bad moment."""
    times: dict[str, list[float]] = {key: [] for key, *_ in rows}
    for _key, _, client, url in rows:  # one warm-up each
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.content[:300])
    for _ in range(repeat):
        for key, _, client, url in rows:
            t = time.perf_counter()
            r = client.get(url)
            times[key].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, (url, r.status_code)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def deep_cursor(user) -> str:  # type: ignore[no-untyped-def]
    """The position 90 % down the province leader's list (what 90 % of the way by ``next`` would reach)."""
    from liuhen.cases import listing
    from liuhen.cases.models import Case

    total = Case.objects.count()
    at, pk = Case.objects.order_by("-created_at", "-id").values_list("created_at", "id")[int(total * 0.9)]
    return listing._encode("t", at.isoformat(), pk)


def measure(n: int, repeat: int) -> dict[str, float]:
    from django.test import Client

    from liuhen.accounts import services as accounts
    from liuhen.accounts.models import User
    from liuhen.cases.models import CaseOfficer

    officer, leader = User.objects.get(username="o0_0_0"), User.objects.get(username="p_leader")
    tok = {u: accounts.create_token(actor=None, user=u) for u in (officer, leader)}
    api = {u: Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {t}") for u, t in tok.items()}
    page = Client(HTTP_HOST="localhost")
    page.force_login(officer)
    own = CaseOfficer.objects.filter(user=officer).order_by("-case_id").values_list("case_id", flat=True).first()
    rows = [
        ("baseline", "baseline: who am I (/api/v1/me), officer", api[officer], "/api/v1/me"),
        ("list", "first page, officer", api[officer], "/api/v1/cases"),
        ("leader", "first page, province leader", api[leader], "/api/v1/cases"),
        ("deep", "a page 90 % deep, leader", api[leader], f"/api/v1/cases?cursor={deep_cursor(leader)}"),
        ("mine", "?mine=true, officer", api[officer], "/api/v1/cases?mine=true"),
        ("filter", "procedure + stage, leader", api[leader], "/api/v1/cases?procedure=general_procedure&stage=review"),
        ("search", "?q=化工, officer", api[officer], "/api/v1/cases?q=化工"),
        ("search_leader", "?q=化工, province leader", api[leader], "/api/v1/cases?q=化工"),
        ("search_rare", "?q=东城某某化工有限公司, leader", api[leader], "/api/v1/cases?q=东城某某化工有限公司"),
        ("read", "one case read (registered)", api[officer], f"/api/v1/cases/{own}"),
        ("page", "the case page (HTML)", page, f"/cases/{own}/"),
    ]
    times = timed_rounds(rows, repeat)
    out = {key: p95(times[key]) for key in times}
    base = out["baseline"]
    print(f"\n| request ({n:,} cases) | p50 ms | p95 ms | p95 ÷ baseline p95 |\n|---|---|---|---|")
    for key, label, *_ in rows:
        print(f"| {label} | {statistics.median(times[key]):.1f} | {out[key]:.1f} | {out[key] / base:.1f} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--reuse", action="store_true", help="measure a database this script filled before")
    args = ap.parse_args()
    if args.cases < 1:
        raise SystemExit("bench/scale.py: --cases must be at least 1")
    setup_django()
    from liuhen.cases.models import Case

    if not args.reuse:
        if Case.objects.exists():
            raise SystemExit("bench/scale.py: the database holds cases; use an empty one, or --reuse")
        t = time.perf_counter()
        people = make_people()
        generate(args.cases, people)
        log(f"generated {args.cases:,} cases in {time.perf_counter() - t:.0f} s")
    n = Case.objects.count()
    r = measure(n, args.repeat)
    print(
        f"RESULT scale cases={n} list_p95_ms={r['list']:.1f} deep_p95_ms={r['deep']:.1f} "
        f"mine_p95_ms={r['mine']:.1f} filter_p95_ms={r['filter']:.1f} search_p95_ms={r['search']:.1f} "
        f"read_p95_ms={r['read']:.1f} page_p95_ms={r['page']:.1f} search_leader_p95_ms={r['search_leader']:.1f} "
        f"baseline_p95_ms={r['baseline']:.1f}"
    )


if __name__ == "__main__":
    main()
