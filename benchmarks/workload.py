"""A seeded, realistic year of many WeChat groups, written through the ledger's batch path.

Every command is issued through `ledger.application.Ledger` exactly as a person would
issue it (with `at=` for when it happened), inside `with ledger.batch():`. The batch
refuses everything if one command is refused, so the generator tracks the state it
needs itself — who is in which group, open flags, strikes, reminders, pending tasks —
and only issues commands that are legal. It also predicts how many events each command
records; the prediction is checked against the store after every batch.

The same seed gives the same commands in the same order, hence the same events up to
the ids the ledger draws at random (flag, sanction, task and review ids) and the
recorded-at timestamps; `digest` checks that, replacing each random id by the order in
which it first appears.

Only the random choices are seeded (`random.Random(seed)`): nothing iterates a set or a
dict keyed by a random id, so the order of choices never depends on hash seeds.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import random
import re
import sqlite3
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

from ledger.application import Ledger
from ledger.domain.errors import LedgerError
from ledger.domain.rulebook import Rulebook, load as load_rulebook
from ledger.store.url import parse_store

# Bump when the workload changes, so that cached stores of an older workload are not reused.
GENERATOR_VERSION = 1

CST = timezone(timedelta(hours=8))
START = datetime(2025, 1, 1, 8, 0, tzinfo=CST)
END = datetime(2025, 12, 31, 22, 0, tzinfo=CST)

RULEBOOK_CYCLE = ("estate", "company", "referees", "corporate", "default")
RULEBOOK_WEIGHTS = {"estate": 40, "company": 20, "corporate": 15, "referees": 15, "default": 10}

# Names ------------------------------------------------------------------------------------

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
            "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
            "毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红玲芬燕彬鹏辉宇浩凯晨欣怡涵轩萱"
         "远嘉俊志建国海波琳婷雪梅飞斌鑫瑶倩蕾帆岚婧颖博文")
COMPOUND = ("欧阳", "司马", "上官", "诸葛")
UYGHUR = ("买买提·艾力", "阿依古丽·买买提", "热依拉·吐尔逊", "艾尔肯·依明")
PET_NAMES = ("老赵", "王阿姨", "张姐", "小李", "快乐每一天", "阳光", "静待花开", "平安是福", "一路向北",
             "宝妈", "刘叔", "海阔天空", "岁月静好", "开心果", "大白", "知足常乐", "晨曦", "小猫咪",
             "风轻云淡", "老王头", "糖糖妈", "幸福一家人")
LATIN_NAMES = ("Tony", "Sunny🌞", "Amy", "Kevin", "Lucky", "A-Lin", "Coco", "Jason")
DEPARTMENTS = ("销售部", "市场部", "财务中心", "行政人事部", "技术部", "生产部", "总裁办", "采购部",
               "物流部", "品控部", "客服中心", "法务部", "计划运营部", "营销中心")
REGIONS = ("重庆", "四川成都", "北京", "上海", "广东广州", "湖南长沙", "湖北武汉", "浙江杭州",
           "江苏南京", "黑龙江哈尔滨", "新疆乌鲁木齐", "香港", "福建厦门", "陕西西安", "云南昆明")
BUILDINGS = tuple(f"g{n}" for n in range(1, 17)) + tuple(f"d{n}" for n in range(1, 16)) + ("a", "b")
SPECIALTIES = (("mr", "美容形象设计"), ("mf", "美发"), ("mj", "美甲"))
CORPORATE_KINDS = (("hq", "集团总部"), ("xm", "项目公司"), ("bm", "部门工作"), ("zx", "专项工作"),
                   ("lh", "联络"))
CLUBS = ("徒步", "摄影", "读书", "羽毛球", "钓鱼", "亲子", "烘焙", "骑行")

EXCERPTS = {
    "risky_link": ("砍一刀 http://pdd.example/k/", "帮我点一下投票 http://vote.example/",
                   "阅读赚钱，提现秒到 http://news.example/", "拆红包领现金 http://hb.example/"),
    "flooding": ("[表情]" * 12, "刷屏 40 条", "早上好" * 8),
    "ads": ("专业代办贷款，低息秒批，加微信", "新店开业全场五折", "招代理，月入过万"),
    "health_pitch": ("祖传秘方，降三高", "负离子保健床垫，免费体验", "养生茶一盒包好"),
    "rumor": ("听说小区要拆迁了，赶紧转发", "明天全市停水三天", "某某领导被抓了"),
    "politics": ("（涉政内容，已截图）",),
    "religion": ("（宗教宣传，已截图）",),
    "porn": ("（色情图片，已截图）",),
    "gambling": ("来玩百家乐，充值返利", "（赌博链接，已截图）"),
    "drugs": ("（涉毒内容，已截图）",),
    "virus_link": ("点击领取补贴 http://apk.example/setup.apk", "http://phish.example/login"),
    "personal_attack": ("你算什么东西", "（辱骂内容，已截图）", "脑子有问题吧"),
    "privacy": ("逐个添加群内业主好友推销", "把业主电话发到群里"),
    "off_topic": ("今晚吃什么", "有人打麻将吗", "（私聊内容）"),
    "off_hours": ("大家下午好，分享一个视频", "（非发言时段发言）"),
    "confidential_leak": ("（群内业务通报被转发至外部群）",),
    "illegal": ("（违法内容，已截图）",),
    "violence": ("（暴力视频，已截图）",),
    "careless_forwarding": ("转发：重大通知！（未核实）", "紧急扩散！！！"),
    "unrelated": ("周末去哪玩", "（与工作无关的链接）"),
    "harmful": ("（有害信息，已截图）",),
    "defamation": ("这公司就是骗子公司",),
}
DISMISS_REASONS = ("经核实属实，非谣言", "业主自家水果，非保健品推销", "截图不清，无法认定", "已撤回，情节轻微",
                   "误报", "属于正常通知转发")
CONFIRM_NOTES = ("经核实属实", "多位成员投诉", "已截图留证", None, None)
TASKS = ("今天下班前提交本周销售报表", "请确认收到会议通知并回复", "核对本月考勤", "明早九点前报送库存数据",
         "回复客户投诉处理进展", "确认出差行程", "提交项目周报")


def chinese_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.02:
        return rng.choice(UYGHUR)
    surname = rng.choice(COMPOUND) if roll < 0.05 else rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return surname + given


# Tracked state --------------------------------------------------------------------------


class Pool:
    """A list with O(1) add, remove and random choice, in a deterministic order."""

    __slots__ = ("items", "index")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.index: dict[Any, int] = {}

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item: Any) -> bool:
        return item in self.index

    def add(self, item: Any) -> None:
        if item not in self.index:
            self.index[item] = len(self.items)
            self.items.append(item)

    def discard(self, item: Any) -> None:
        where = self.index.pop(item, None)
        if where is None:
            return
        last = self.items.pop()
        if where < len(self.items):
            self.items[where] = last
            self.index[last] = where

    def choice(self, rng: random.Random) -> Any:
        return self.items[rng.randrange(len(self.items))]


@dataclass
class Person:
    pid: str
    name: str
    department: str
    region: str
    pet: str
    room: str


@dataclass
class Member:
    """What the generator knows of one membership: enough to issue only legal commands."""

    person: Person
    presence: str = "absent"  # in, temporarily_removed, removed, left
    nickname: str = ""
    nick_at: datetime = START
    nickname_ok: bool | None = None
    exemption: str | None = None
    relation: str | None = None
    reminders: int = 0
    reminder_limit: int | None = None
    strikes: int = 0
    on_sight_due: bool = False
    in_since: datetime = START
    last_at: datetime = START
    events: int = 0


@dataclass
class GroupSim:
    key: str
    name: str
    kind: str
    book: Rulebook
    owner: str
    registered_at: datetime
    target: int
    extra: tuple[str, ...] = ()  # buildings (estate), kind label...
    moderators: list[str] = field(default_factory=list)
    roles: dict[str, set[str]] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    inside: Pool = field(default_factory=Pool)
    remindable: Pool = field(default_factory=Pool)
    due: Pool = field(default_factory=Pool)
    temporary: Pool = field(default_factory=Pool)
    removed: Pool = field(default_factory=Pool)
    left: Pool = field(default_factory=Pool)
    open_flags: Pool = field(default_factory=Pool)  # (flag_id, member id, category)
    flag_categories: tuple[str, ...] = ()
    warn_categories: tuple[str, ...] = ()
    on_sight_categories: tuple[str, ...] = ()
    last_review: datetime | None = None
    activity: float = 1.0

    @property
    def tasks_allowed(self) -> bool:
        return self.book.tasks is not None or "late_response" in self.book.categories

    def refresh(self, pid: str) -> None:
        m = self.members[pid]
        inside = m.presence == "in"
        rule = self.book.nickname
        for pool, wanted in (
            (self.inside, inside),
            (self.remindable, inside and rule is not None and not rule.matches(m.nickname, m.exemption)
             and m.reminders < rule.reminders_before_removal),
            (self.due, inside and self.removal_due(m)),
            (self.temporary, m.presence == "temporarily_removed"),
            (self.removed, m.presence == "removed"),
            (self.left, m.presence == "left"),
        ):
            if wanted:
                pool.add(pid)
            else:
                pool.discard(pid)

    def removal_due(self, m: Member) -> bool:
        exhausted = (m.nickname_ok is False and m.reminder_limit is not None
                     and m.reminders >= m.reminder_limit)
        return m.strikes >= self.book.strikes.limit or m.on_sight_due or exhausted


class Refused(Exception):
    pass


# The generator ----------------------------------------------------------------------------


class Workload:
    """Writes about `events` events to the store at `path`, deterministically from `seed`."""

    def __init__(self, path: Path, events: int, seed: int, *, batch_size: int = 1000,
                 progress: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.target = events
        self.rng = random.Random(seed)
        self.seed = seed
        self.batch_size = batch_size
        self.progress = progress or (lambda text: None)
        self.ledger = Ledger(parse_store(str(path)))
        self.now = START
        self.count = 0  # events predicted, checked against the store after each batch
        self.mismatches: list[str] = []
        self.commands: Counter[str] = Counter()
        self.backdated_facts = 0
        self.message_seq = 0
        self.persons: list[Person] = []
        self.person_ids: set[str] = set()
        self.groups: list[GroupSim] = []
        self.cum_weights: list[float] = []
        self.scheduled: list[tuple[datetime, int, str, tuple[Any, ...]]] = []
        self.schedule_seq = 0
        self.books = {name: load_rulebook(f"builtin:{name}")[0] for name in RULEBOOK_WEIGHTS}

    # Time ---------------------------------------------------------------------------------

    def next_moment(self) -> datetime:
        """The moment of the next fact: what is left of the year spread over what is left
        to record.
        """
        remaining = max(1, self.target - self.count)
        room = max(60.0, (END - self.now).total_seconds())
        mean = room / (remaining / 1.2)
        return self.now + timedelta(seconds=max(1, round(self.rng.uniform(0.05, 1.95) * mean)))

    def at(self, moment: datetime) -> datetime:
        """Advance the clock to `moment` (a scheduled fact), never backwards or onto a tie."""
        self.now = max(moment, self.now + timedelta(seconds=1))
        return self.now

    def schedule(self, when: datetime, action: str, *args: Any) -> None:
        self.schedule_seq += 1
        heapq.heappush(self.scheduled, (when.replace(microsecond=0), self.schedule_seq, action, args))

    # Set-up -------------------------------------------------------------------------------

    def new_person(self) -> Person:
        while True:
            pid = "wx_" + "".join(self.rng.choice("abcdefghijkmnpqrstuvwxyz23456789")
                                  for _ in range(8))
            if pid not in self.person_ids:
                break
        building = self.rng.choice(BUILDINGS)
        floor = self.rng.randint(1, 32)
        room = f"{floor:02d}{self.rng.randint(1, 4):02d}"
        person = Person(pid, chinese_name(self.rng), self.rng.choice(DEPARTMENTS),
                        self.rng.choice(REGIONS), self.rng.choice(PET_NAMES), f"{building}#{room}")
        self.person_ids.add(pid)
        self.persons.append(person)
        return person

    def plan_groups(self) -> None:
        count = max(3, self.target // 2000)
        kinds = list(RULEBOOK_CYCLE[:min(count, len(RULEBOOK_CYCLE))])
        names, weights = list(RULEBOOK_WEIGHTS), list(RULEBOOK_WEIGHTS.values())
        kinds += self.rng.choices(names, weights, k=count - len(kinds))
        counters: Counter[str] = Counter()
        for kind in kinds:
            counters[kind] += 1
            n = counters[kind]
            extra: tuple[str, ...] = ()
            if kind == "estate":
                building = BUILDINGS[(n - 1) % len(BUILDINGS)]
                key, name = f"jq-{building}-{n}", f"加侨业委会{building}栋业主群"
                extra = (building,)
            elif kind == "company":
                dept = DEPARTMENTS[(n - 1) % len(DEPARTMENTS)]
                key, name = f"jiushen-{n}", f"酒神公司{dept}群"
                extra = (dept,)
            elif kind == "corporate":
                code, label = CORPORATE_KINDS[(n - 1) % len(CORPORATE_KINDS)]
                key, name = f"cqsy-{code}{n}", f"重庆实业集团{label}群{n}"
            elif kind == "referees":
                code, label = SPECIALTIES[(n - 1) % len(SPECIALTIES)]
                key, name = f"ref-{code}{n}", f"国家级裁判员{label}群{n}"
            else:
                club = CLUBS[(n - 1) % len(CLUBS)]
                key, name = f"club-{n}", f"{club}爱好者交流群{n}"
            book = self.books[kind]
            owner = self.new_person()
            group = GroupSim(key=key, name=name, kind=kind, book=book, owner=owner.pid,
                             registered_at=START, target=self.rng.randint(90, 260), extra=extra)
            group.moderators = [owner.pid]
            group.roles = {owner.pid: {"owner"}}
            posting = book.posting.category if book.posting else None
            plain = tuple(c for c, cat in book.categories.items()
                          if not cat.on_sight and c != "nickname" and c != posting)
            group.warn_categories = plain
            group.on_sight_categories = tuple(c for c, cat in book.categories.items() if cat.on_sight)
            group.flag_categories = tuple(c for c in book.categories if c != "nickname")
            self.groups.append(group)
            group.activity = self.rng.lognormvariate(0, 0.5)
        total = 0.0
        for group in self.groups:
            total += group.activity
            self.cum_weights.append(total)

    # Nicknames ----------------------------------------------------------------------------

    def nickname(self, group: GroupSim, person: Person, *, compliant: bool,
                 exemption: str | None = None) -> str:
        rng = self.rng
        if exemption == "executive" and compliant and rng.random() < 0.7:
            return person.name
        if group.kind == "estate":
            room = person.room
            if group.extra and rng.random() < 0.8:
                room = f"{group.extra[0]}#{person.room.split('#')[1]}"
            if compliant:
                sep = "＠" if rng.random() < 0.05 else "@"
                hidden = person.name[0] + "x" + person.name[-1] if len(person.name) > 2 else person.name
                return rng.choice((f"{room}{sep}{hidden}", f"{room}{sep}{person.pet}", room))
            return rng.choice((person.pet, hidden_room_text(room, person), person.name))
        if group.kind in ("company", "corporate"):
            dash = "－" if rng.random() < 0.06 else "-"
            dept = group.extra[0] if group.extra and rng.random() < 0.7 else person.department
            if compliant:
                return f"{dept}{dash}{person.name}"
            return rng.choice((person.name, f"{dept}{person.name}", rng.choice(LATIN_NAMES),
                               f"{person.name}（{dept}）"))
        if group.kind == "referees":
            dash = "－" if rng.random() < 0.06 else "-"
            if compliant:
                return f"{person.region}{dash}{person.name}"
            return rng.choice((person.name, f"{person.name}@{person.region}", person.pet))
        return rng.choice((person.pet, person.name, rng.choice(LATIN_NAMES)))

    def nickname_ok(self, group: GroupSim, nickname: str, exemption: str | None) -> bool | None:
        rule = group.book.nickname
        return None if rule is None else rule.matches(nickname, exemption)

    # Commands -----------------------------------------------------------------------------
    # Each returns the number of events it records (what the ledger's rules make of it).

    def moderator(self, group: GroupSim, *, besides: str | None = None) -> str:
        """A moderator who may act now: in the group (a removed or departed admin's roles
        wait for their readmission; the owner who registered it keeps them), and not the
        member the act is about (no one decides a flag raised against themselves).
        """
        able = [p for p in group.moderators if p != besides and (
            p == group.owner or p not in group.members or group.members[p].presence == "in")]
        if not able:
            return group.owner
        return able[self.rng.randrange(len(able))]

    def touch(self, m: Member, moment: datetime, events: int) -> None:
        m.last_at = max(m.last_at, moment)
        m.events += events

    def admit(self, group: GroupSim, person: Person, moment: datetime) -> int:
        rng = self.rng
        admission = group.book.admission
        existing = group.members.get(person.pid)
        relation = None
        if admission.relations:
            relation = rng.choices(admission.admitted_relations, (75, 25))[0] \
                if len(admission.admitted_relations) == 2 else rng.choice(admission.admitted_relations)
        verified_by = self.moderator(group) if admission.verification_required else None
        invited_by = None
        if rng.random() < 0.6 or admission.invitation_required:
            if "member" in admission.may_invite and len(group.inside) > 0 and rng.random() < 0.7:
                invited_by = group.inside.choice(rng)
            else:
                invited_by = self.moderator(group)
        exemption = None
        if group.book.nickname and group.book.nickname.exemptions and rng.random() < 0.04:
            exemption = group.book.nickname.exemptions[0].key
        compliant = rng.random() < 0.78
        nick = self.nickname(group, person, compliant=compliant, exemption=exemption)
        self.ledger.admit(actor=self.moderator(group), group=group.key, member=person.pid,
                          nickname=nick, invited_by=invited_by, verified_by=verified_by,
                          relation=relation, exemption=exemption, at=moment)
        m = existing or Member(person)
        group.members[person.pid] = m
        m.presence, m.nickname, m.nick_at, m.exemption, m.relation = "in", nick, moment, exemption, relation
        m.nickname_ok = self.nickname_ok(group, nick, exemption)
        m.reminders, m.on_sight_due, m.in_since = 0, False, moment
        self.touch(m, moment, 1)
        group.refresh(person.pid)
        return 1

    def admit_new(self, group: GroupSim, moment: datetime) -> int:
        person = None
        if self.persons and self.rng.random() < 0.25:  # someone already in other groups
            for _ in range(5):
                candidate = self.persons[self.rng.randrange(len(self.persons))]
                if candidate.pid not in group.members:
                    person = candidate
                    break
        return self.admit(group, person or self.new_person(), moment)

    def rejoin(self, group: GroupSim, moment: datetime) -> int:
        return self.admit(group, group.members[group.left.choice(self.rng)].person, moment)

    def rename(self, group: GroupSim, moment: datetime) -> int:
        pid = group.inside.choice(self.rng)
        m = group.members[pid]
        fixing = m.nickname_ok is False
        compliant = self.rng.random() < (0.65 if fixing else 0.75)
        nick = self.nickname(group, m.person, compliant=compliant, exemption=m.exemption)
        if nick == m.nickname:
            nick = nick + "（新）" if not compliant else self.nickname(group, m.person, compliant=True)
        self_service = self.rng.random() < 0.7
        self.ledger.rename(actor=pid if self_service else self.moderator(group), group=group.key,
                           member=pid, nickname=nick, at=moment)
        ok = self.nickname_ok(group, nick, m.exemption)
        m.nickname, m.nickname_ok, m.nick_at = nick, ok, moment
        if ok is not False:
            m.reminders = 0
        self.touch(m, moment, 1)
        group.refresh(pid)
        return 1

    def remind(self, group: GroupSim, moment: datetime) -> int:
        pid = group.remindable.choice(self.rng)
        m = group.members[pid]
        self.ledger.remind(actor=self.moderator(group), group=group.key, member=pid, at=moment)
        assert group.book.nickname is not None
        m.reminders += 1
        m.nickname_ok = False
        m.reminder_limit = group.book.nickname.removal_after_reminders
        self.touch(m, moment, 1)
        group.refresh(pid)
        return 1

    def message_at(self, group: GroupSim, m: Member, category: str, moment: datetime) -> datetime | None:
        """When the flagged message was posted; for a posting-window category, a moment
        outside every allowed window (the only case in which it is a violation).
        """
        posting = group.book.posting
        needed = posting is not None and category == posting.category
        if not needed and self.rng.random() < 0.6:
            return None
        for _ in range(12):
            candidate = moment - timedelta(minutes=self.rng.randint(2, 600))
            candidate = candidate.replace(second=0, microsecond=0)
            if candidate <= m.in_since or candidate <= group.registered_at:
                continue
            if not needed or posting.window_at(candidate) is None:  # type: ignore[union-attr]
                return candidate
        if needed:
            raise Refused("no moment outside the posting windows")
        return None

    def raise_flag(self, group: GroupSim, moment: datetime, *, pid: str | None = None,
                   by_moderator: bool = False, plain: bool = False) -> int:
        rng = self.rng
        pid = pid or group.inside.choice(rng)
        m = group.members[pid]
        weights = [3 if c in group.on_sight_categories else 10 for c in group.flag_categories]
        category = rng.choices(group.flag_categories, weights)[0]
        if plain and category not in group.warn_categories:
            category = rng.choice(group.warn_categories)
        try:
            message_at = None if plain else self.message_at(group, m, category, moment)
        except Refused:
            category, message_at = rng.choice(group.warn_categories), None
        actor = None
        if not by_moderator and len(group.inside) > 1 and rng.random() < 0.6:
            actor = group.inside.choice(rng)
            if actor == pid:
                actor = None
        actor = actor or self.moderator(group)
        self.message_seq += 1
        excerpt = rng.choice(EXCERPTS.get(category, ("……",))) if rng.random() < 0.8 else None
        flag_id = self.ledger.raise_flag(actor=actor, group=group.key, member=pid,
                                         category=category, message=f"m-{self.message_seq}",
                                         excerpt=excerpt, message_at=message_at, at=moment)
        group.open_flags.add((flag_id, pid, category))
        self.touch(m, moment, 1)
        return 1

    def strike(self, group: GroupSim, m: Member, category: str) -> int:
        """The events a strike records (1, or 2 when the rules remove at once), and its
        effect on the tracked state.
        """
        book = group.book
        judged = book.category(category)
        m.strikes += judged.weight
        if judged.on_sight and book.strikes.on_sight == "remove":
            m.presence = "removed"
            return 2
        if judged.on_sight:
            m.on_sight_due = True
        if m.strikes >= book.strikes.limit and book.strikes.on_limit == "remove":
            m.presence = "removed"
            return 2
        return 1

    def decide_flag(self, group: GroupSim, moment: datetime) -> int:
        flag = group.open_flags.choice(self.rng)
        flag_id, pid, category = flag
        m = group.members[pid]
        if self.moderator(group, besides=pid) == pid:
            return 0  # only the flagged moderator could decide it: it waits for another
        group.open_flags.discard(flag)
        confirm = m.presence == "in" and self.rng.random() < 0.55
        if confirm:
            self.ledger.confirm_flag(actor=self.moderator(group, besides=pid), group=group.key,
                                     member=pid,
                                     flag_id=flag_id, note=self.rng.choice(CONFIRM_NOTES), at=moment)
            events = 1 + self.strike(group, m, category)
        else:
            self.ledger.dismiss_flag(actor=self.moderator(group, besides=pid), group=group.key,
                                     member=pid,
                                     flag_id=flag_id, reason=self.rng.choice(DISMISS_REASONS),
                                     at=moment)
            events = 1
        self.touch(m, moment, events)
        group.refresh(pid)
        return events

    def warn(self, group: GroupSim, moment: datetime, *, pid: str | None = None) -> int:
        pid = pid or group.inside.choice(self.rng)
        m = group.members[pid]
        category = self.rng.choice(group.warn_categories)
        reason = self.rng.choice(EXCERPTS.get(category, ("违反群规",)))
        self.ledger.warn(actor=self.moderator(group), group=group.key, member=pid,
                         category=category, reason=reason, at=moment)
        events = self.strike(group, m, category)
        self.touch(m, moment, events)
        group.refresh(pid)
        return events

    def remove(self, group: GroupSim, moment: datetime, pid: str, *, temporary: bool,
               reason: str) -> int:
        m = group.members[pid]
        self.ledger.remove(actor=self.moderator(group), group=group.key, member=pid,
                           reason=reason, temporary=temporary, at=moment)
        m.presence = "temporarily_removed" if temporary else "removed"
        self.touch(m, moment, 1)
        group.refresh(pid)
        if temporary:
            # Mediation takes a few days; a few fail, and the removal becomes for good.
            self.schedule(moment + timedelta(hours=self.rng.randint(12, 14 * 24)), "mediated",
                          group.key, pid)
        return 1

    def remove_due(self, group: GroupSim, moment: datetime) -> int:
        pid = group.due.choice(self.rng)
        m = group.members[pid]
        if m.strikes >= group.book.strikes.limit:
            reason = "三次违反规定移出群聊"
        elif m.on_sight_due:
            reason = "严重违规，移出群聊"
        else:
            reason = "多次提醒修改昵称不配合，予以清理"
        return self.remove(group, moment, pid, temporary=False, reason=reason)

    def remove_other(self, group: GroupSim, moment: datetime) -> int:
        pid = group.inside.choice(self.rng)
        if group.kind in ("company", "corporate") and self.rng.random() < 0.7:
            return self.remove(group, moment, pid, temporary=False, reason="人事变动，已离职")
        return self.remove(group, moment, pid, temporary=True,
                           reason="群内争吵劝阻无效，临时出群，待调解")

    def readmit(self, group: GroupSim, moment: datetime, pid: str, note: str) -> int:
        m = group.members[pid]
        self.ledger.readmit(actor=self.moderator(group), group=group.key, member=pid, note=note,
                            at=moment)
        m.presence, m.on_sight_due, m.in_since = "in", False, moment
        self.touch(m, moment, 1)
        group.refresh(pid)
        return 1

    def readmit_removed(self, group: GroupSim, moment: datetime) -> int:
        return self.readmit(group, moment, group.removed.choice(self.rng), "管理员决定重新接纳")

    def leave(self, group: GroupSim, moment: datetime) -> int:
        pid = group.inside.choice(self.rng)
        m = group.members[pid]
        if pid in group.moderators and len(group.inside) > 1:
            pid = group.inside.choice(self.rng)
            m = group.members[pid]
        rng = self.rng
        if "defiance" in group.book.categories and group.kind == "company" and rng.random() < 0.15:
            self.ledger.leave(actor=self.moderator(group), group=group.key, member=pid,
                              note="不服从群管理，执意退群", violation="defiance", at=moment)
            events = self.strike(group, m, "defiance")
            if m.presence == "in":
                m.presence = "left"
                events += 1
        else:
            by_self = rng.random() < 0.8
            self.ledger.leave(actor=pid if by_self else self.moderator(group), group=group.key,
                              member=pid, note=rng.choice((None, "搬家了", "换工作", "退群")), at=moment)
            m.presence = "left"
            events = 1
        self.touch(m, moment, events)
        group.refresh(pid)
        return events

    def assign_task(self, group: GroupSim, moment: datetime) -> int:
        rng = self.rng
        pid = group.inside.choice(rng)
        m = group.members[pid]
        minutes = None if group.book.tasks else rng.choice((60, 120, 240))
        deadline = moment + timedelta(minutes=minutes or group.book.tasks.response_minutes)  # type: ignore[union-attr]
        task_id = self.ledger.assign_task(actor=self.moderator(group), group=group.key,
                                          member=pid, summary=rng.choice(TASKS),
                                          deadline_minutes=minutes, at=moment)
        self.touch(m, moment, 1)
        span = (deadline - moment).total_seconds()
        roll = rng.random()
        if roll < 0.72:  # acknowledged in time
            self.schedule(moment + timedelta(seconds=rng.uniform(0.05, 0.9) * span), "ack",
                          group.key, pid, task_id, deadline, False)
        elif roll < 0.84:  # acknowledged late; sometimes confirmed missed anyway
            self.schedule(deadline + timedelta(minutes=rng.randint(5, 180)), "ack",
                          group.key, pid, task_id, deadline, rng.random() < 0.5)
        else:  # never acknowledged: confirmed missed
            self.schedule(deadline + timedelta(minutes=rng.randint(10, 600)), "missed",
                          group.key, pid, task_id)
        return 1

    def grant(self, group: GroupSim, moment: datetime, role: str | None = None,
              pid: str | None = None) -> int:
        rng = self.rng
        role = role or rng.choice(("admin", "secretary", "reviewer"))
        for _ in range(5):
            candidate = pid or (group.inside.choice(rng) if len(group.inside) else self.new_person().pid)
            if role not in group.roles.get(candidate, set()):
                break
            pid = None
        else:
            return 0
        self.ledger.grant_role(actor=group.owner, group=group.key, member=candidate, role=role,  # type: ignore[arg-type]
                               at=moment)
        group.roles.setdefault(candidate, set()).add(role)
        if role == "admin" and candidate not in group.moderators:
            group.moderators.append(candidate)
        return 1

    def review(self, group: GroupSim, moment: datetime) -> int:
        rng = self.rng
        keep = []
        for _ in range(min(len(group.inside), rng.randint(3, 10))):
            pid = group.inside.choice(rng)
            if pid not in keep:
                keep.append(pid)
        remove = []
        if len(group.inside) > len(keep) + 5 and rng.random() < 0.5:
            pid = group.inside.choice(rng)
            if pid not in keep:
                remove.append(pid)
        self.ledger.review(actor=self.moderator(group), group=group.key, keep=keep, remove=remove,
                           reason="季度成员梳理", at=moment)
        for pid in keep:
            self.touch(group.members[pid], moment, 1)
        for pid in remove:
            m = group.members[pid]
            m.presence = "removed"
            self.touch(m, moment, 1)
            group.refresh(pid)
        group.last_review = moment
        return 1 + len(keep) + len(remove)

    def backdated(self, group: GroupSim) -> int:
        """A fact recorded late: earlier than the member's latest fact, inside the span in
        which they have been in the group without a break, so that it is still legal.
        """
        rng = self.rng
        for _ in range(6):
            pid = group.inside.choice(rng)
            m = group.members[pid]
            span = int((m.last_at - m.in_since).total_seconds())
            if span >= 120:
                break
        else:
            return 0
        moment = m.in_since + timedelta(seconds=rng.randint(60, span - 1))
        roll = rng.random()
        self.backdated_facts += 1
        if roll < 0.4 or (roll < 0.7 and m.reminders):
            return self.warn(group, moment, pid=pid)
        if roll < 0.7:
            nick = self.nickname(group, m.person, compliant=True, exemption=m.exemption)
            self.ledger.rename(actor=self.moderator(group), group=group.key, member=pid,
                               nickname=nick, at=moment)
            if moment > m.nick_at:
                m.nickname, m.nickname_ok, m.nick_at = nick, self.nickname_ok(group, nick, m.exemption), moment
            self.touch(m, moment, 1)
            group.refresh(pid)
            return 1
        return self.raise_flag(group, moment, pid=pid, by_moderator=True, plain=True)

    # Scheduled facts ------------------------------------------------------------------------

    def run_scheduled(self, action: str, args: tuple[Any, ...], when: datetime) -> int:
        group = self.by_key[args[0]]
        pid = args[1]
        m = group.members[pid]
        if action == "mediated":
            if m.presence != "temporarily_removed":
                return 0
            moment = self.at(when)
            if self.rng.random() < 0.85:
                return self.readmit(group, moment, pid, "调解完成，重新邀请入群")
            return self.remove(group, moment, pid, temporary=False, reason="调解未果，移出群聊")
        if action == "ack":
            _, _, task_id, deadline, then_missed = args
            if m.presence != "in":
                return 0
            moment = self.at(when)
            by_self = self.rng.random() < 0.85
            self.ledger.acknowledge_task(actor=pid if by_self else self.moderator(group),
                                         group=group.key, member=pid, task_id=task_id, at=moment)
            self.touch(m, moment, 1)
            if then_missed:
                self.schedule(moment + timedelta(minutes=self.rng.randint(10, 300)), "missed",
                              group.key, pid, task_id)
            return 1
        if action == "missed":
            task_id = args[2]
            if m.presence != "in":
                return 0
            moment = self.at(when)
            self.ledger.confirm_task_missed(actor=self.moderator(group), group=group.key,
                                            member=pid, task_id=task_id, at=moment)
            events = 1 + self.strike(group, m, group.book.tasks.category if group.book.tasks
                                     else "late_response")
            self.touch(m, moment, events)
            group.refresh(pid)
            return events
        raise AssertionError(action)

    # The main loop --------------------------------------------------------------------------

    def register(self, group: GroupSim) -> int:
        """A group registered (over the first weeks of the year), its first admins granted
        and the founders admitted.
        """
        gap = self.rng.randint(5, max(6, 36_000 // len(self.groups)))
        group.registered_at = self.now = self.now + timedelta(minutes=gap)
        self.ledger.register_group(actor=group.owner, group=group.key, name=group.name,
                                   owner=group.owner, rulebook=f"builtin:{group.kind}",
                                   at=group.registered_at)
        events = 1
        moment = group.registered_at
        owner = next(p for p in self.persons if p.pid == group.owner)
        events += self.admit(group, owner, moment + timedelta(minutes=1))
        for n in range(self.rng.randint(1, 3)):
            moment += timedelta(minutes=self.rng.randint(2, 30))
            events += self.grant(group, moment, "admin", self.new_person().pid)
            admin = self.persons[-1]
            events += self.admit(group, admin, moment + timedelta(minutes=1))
        self.now = max(self.now, moment + timedelta(minutes=2))
        return events

    def step(self, group: GroupSim, moment: datetime) -> int:
        rng = self.rng
        size = len(group.inside)
        if size < 0.4 * group.target:
            admit_p = 0.7
        elif size < group.target:
            admit_p = 0.16
        else:
            admit_p = 0.02
        if rng.random() < admit_p:
            return self.admit_new(group, moment)
        if size < 3:
            return self.admit_new(group, moment)
        options: list[tuple[float, Callable[[], int]]] = [
            (10, lambda: self.rename(group, moment)),
            (24, lambda: self.raise_flag(group, moment)),
            (5, lambda: self.warn(group, moment)),
            (1.0, lambda: self.remove_other(group, moment)),
            (3, lambda: self.leave(group, moment)),
            (0.15, lambda: self.grant(group, moment)),
            (1.0, lambda: self.backdated(group)),
        ]
        if len(group.remindable):
            options.append((6, lambda: self.remind(group, moment)))
        if len(group.open_flags):
            options.append((20, lambda: self.decide_flag(group, moment)))
        if len(group.due):
            options.append((2.5, lambda: self.remove_due(group, moment)))
        if len(group.removed):
            options.append((0.3, lambda: self.readmit_removed(group, moment)))
        if len(group.left):
            options.append((0.8, lambda: self.rejoin(group, moment)))
        if group.tasks_allowed and group.kind in ("company", "corporate", "default"):
            options.append((9 if group.kind == "company" else 3, lambda: self.assign_task(group, moment)))
        if group.book.review is not None and (
                group.last_review is None
                or moment - group.last_review > timedelta(days=group.book.review.period_days)):
            options.append((0.5, lambda: self.review(group, moment)))
        weights = [w for w, _ in options]
        return rng.choices(options, weights)[0][1]()

    def last_step(self, moment: datetime) -> int:
        """Near the end, one-event facts only (a flag raised by a moderator), so that the
        store holds exactly the number of events asked for.
        """
        for _ in range(100):
            group = self.pick_group()
            if len(group.inside):
                return self.raise_flag(group, moment, by_moderator=True, plain=True)
        raise RuntimeError("no group has a member left to flag")

    def pick_group(self) -> GroupSim:
        x = self.rng.random() * self.cum_weights[-1]
        return self.groups[bisect.bisect_right(self.cum_weights, x)]

    def run(self) -> dict[str, Any]:
        began = time.perf_counter()
        self.plan_groups()
        self.by_key = {g.key: g for g in self.groups}
        with self.ledger.batch():
            for group in self.groups:
                self.count += self.register(group)
                self.commands["register+roles+founders"] += 1
        self.check_count()
        last_report = time.perf_counter()
        upcoming: datetime | None = None
        while self.count < self.target:
            with self.ledger.batch():
                for _ in range(self.batch_size):
                    if self.count >= self.target:
                        break
                    upcoming = upcoming or self.next_moment()
                    if self.scheduled and self.scheduled[0][0] < upcoming:
                        when, _, action, args = heapq.heappop(self.scheduled)
                        if self.target - self.count < 3:
                            continue
                        self.count += self.issue(action, lambda: self.run_scheduled(action, args, when))
                        continue
                    moment = self.at(upcoming)
                    upcoming = None
                    if self.target - self.count < 3:
                        self.count += self.issue("last", lambda: self.last_step(moment))
                        continue
                    group = self.pick_group()
                    self.count += self.issue("step", lambda: self.step(group, moment))
            self.check_count()
            if time.perf_counter() - last_report > 5:
                last_report = time.perf_counter()
                rate = self.count / (last_report - began)
                self.progress(f"generated {self.count:,} of {self.target:,} events "
                              f"({rate:,.0f} events/s, simulated {self.now:%Y-%m-%d})")
        seconds = time.perf_counter() - began
        stored = self.ledger.recorder.max_notification_id() or 0
        memberships = [m for g in self.groups for m in g.members.values()]
        self.ledger.close()
        return {
            "generator_version": GENERATOR_VERSION,
            "events": stored,
            "asked": self.target,
            "seed": self.seed,
            "seconds": seconds,
            "events_per_second": stored / seconds if seconds else 0.0,
            "groups": [{"key": g.key, "kind": g.kind, "members": len(g.members),
                        "inside": len(g.inside)} for g in self.groups],
            "persons": len(self.persons),
            "memberships": len(memberships),
            "multi_group_persons": sum(1 for c in Counter(m.person.pid for m in memberships).values()
                                       if c > 1),
            "backdated": self.backdated_facts,
            "simulated_until": self.now.isoformat(),
            "prediction_mismatches": self.mismatches[:5],
            "probe": self.probe(),
        }

    def issue(self, what: str, command: Callable[[], int]) -> int:
        self.commands[what] += 1
        try:
            return command()
        except LedgerError as error:
            raise RuntimeError(f"the generator issued a command the ledger refused ({what} at "
                               f"{self.now.isoformat()}): {type(error).__name__}: {error}. "
                               "Nothing of this batch was saved; the generator's model of the "
                               "rules is out of date") from error

    def check_count(self) -> None:
        stored = self.ledger.recorder.max_notification_id() or 0
        if stored != self.count:
            self.mismatches.append(f"predicted {self.count}, stored {stored}")
            self.progress(f"warning: the generator predicted {self.count} events, the store "
                          f"holds {stored}: following the store")
            self.count = stored

    def probe(self) -> dict[str, Any]:
        """A typical member of a large group, in good standing or warned, for the
        single-command measurements: the median membership by events.
        """
        def rank(group: GroupSim) -> tuple[int, int]:
            return (group.kind == "estate", len(group.inside))

        group = max(self.groups, key=rank)
        candidates = [pid for pid in group.inside.items
                      if pid not in group.due and pid not in group.moderators]
        candidates.sort(key=lambda pid: (group.members[pid].events, pid))
        pid = candidates[len(candidates) // 2]
        m = group.members[pid]
        return {"group": group.key, "name": group.name, "rulebook": f"builtin:{group.kind}",
                "registered_at": group.registered_at.isoformat(), "owner": group.owner,
                "member": pid, "nickname": m.nickname, "relation": m.relation,
                "exemption": m.exemption, "events": m.events,
                "median_events": statistics.median(x.events for x in group.members.values()),
                "category": group.warn_categories[0] if "flooding" not in group.warn_categories
                else "flooding",
                "verification": group.book.admission.verification_required,
                "invitation": group.book.admission.invitation_required}


def hidden_room_text(room: str, person: Person) -> str:
    building, number = room.split("#")
    return f"{building}栋{number}室{person.name[0]}姐"


# Determinism check ----------------------------------------------------------------------

_HEX32 = re.compile(rb'"([0-9a-f]{32})"')
_VOLATILE = re.compile(rb'"timestamp":"[^"]*",?')


def digest(path: Path) -> str:
    """A digest of the stored events that ignores what the ledger draws at random: the
    recorded-at timestamps, and each random id (replaced by the order it first appears
    in). Two stores of the same seed and N have the same digest.
    """
    names: dict[bytes, bytes] = {}

    def rename(match: re.Match[bytes]) -> bytes:
        return b'"#%d"' % int(names.setdefault(match.group(1), str(len(names)).encode()))

    h = hashlib.sha256()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        for originator, version, topic, state in conn.execute(
                "SELECT originator_id, originator_version, topic, state FROM stored_events "
                "ORDER BY rowid"):
            state = bytes(state)
            state = _VOLATILE.sub(b"", state)
            state = _HEX32.sub(rename, state)
            h.update(f"{originator}\x1f{version}\x1f{topic}\x1f".encode())
            h.update(state)
            h.update(b"\x1e")
    return "sha256:" + h.hexdigest()[:16]


def single_file(path: Path) -> None:
    """Leave the store as one file (no -wal or -shm beside it), so that a copy of it is a
    plain file copy; the ledger turns WAL on again when it opens a copy.
    """
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def event_counts(path: Path) -> Counter[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return Counter({topic.rsplit(":", 1)[-1]: n for topic, n in conn.execute(
            "SELECT topic, count(*) FROM stored_events GROUP BY topic")})


def generate(path: Path, events: int, seed: int, *,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    workload = Workload(path, events, seed, progress=progress)
    meta = workload.run()
    single_file(path)
    meta["digest"] = digest(path)
    meta["event_types"] = dict(sorted(event_counts(path).items()))
    meta["commands"] = dict(sorted(workload.commands.items()))
    return orjson.loads(orjson.dumps(meta))
