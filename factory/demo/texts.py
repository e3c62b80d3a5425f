"""What the demo's people wrote: the notes of the classifications, the
demonstrations of advanced experience, the helpers' follow-ups."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from factory.demo.specs import (
    FAMILY,
    IDEOLOGY,
    OTHER,
    TECHNIQUE,
    DemonstrationSpec,
    FollowUpSpec,
)

TECHNIQUE_NOTES = (
    "看图能力差，加工尺寸常超差",
    "不会使用新式刀具，切削用量偏小",
    "操作不熟练，辅助时间长",
    "刚调入本工种，技术生疏",
    "不会自己刃磨刀具，换刀次数多",
    "装夹找正费时，废品较多",
    "新产品工艺不熟悉",
)
IDEOLOGY_NOTES = (
    "工作不安心，想调换工种",
    "对新定额有抵触情绪",
    "经常迟到早退，劳动纪律差",
    "自由散漫，工作时间闲谈",
    "认为定额高，干劲不足",
    "与班组长闹意见，情绪低落",
)
FAMILY_NOTES = (
    "家中老人久病，负担重",
    "子女多，生活困难",
    "爱人失业，家庭收入少",
    "家乡遭灾，需接济亲属",
)
OTHER_NOTES = ("身体不好，病假较多",)
NOTES = {
    TECHNIQUE: TECHNIQUE_NOTES,
    IDEOLOGY: IDEOLOGY_NOTES,
    FAMILY: FAMILY_NOTES,
    OTHER: OTHER_NOTES,
}

# The second machining workshop's five kinds of advanced experience.
DEMONSTRATIONS = (
    ("高速切削法", "车工", dt.date(1956, 3, 3), 48),
    ("强力切削车刀（科列索夫车刀）", "车工", dt.date(1956, 3, 6), 45),
    ("多刀多刃铣削", "铣工", dt.date(1956, 3, 9), 42),
    ("快速装卡夹具", "钳工", dt.date(1956, 3, 13), 40),
    ("刀具合理刃磨", "磨工", dt.date(1956, 3, 16), 38),
)
# Which demonstration a worker of each trade below quota goes to; all of
# them also go to the one on fixtures.
DEMO_FOR_TRADE = {"车工": 0, "铣工": 2, "钳工": 3, "刨工": 3, "磨工": 4}
FIXTURES = 3

# The catalogue's five experiences (factory.demo.experiences), in the order
# of DEMONSTRATIONS: each is what the demonstration of that place shows.
EXPERIENCES = (
    (
        "高速切削法",
        ("车工", "铣工"),
        "学习苏联车工贝可夫的经验：用硬质合金刀具，成倍提高切削速度，缩短机动时间。",
    ),
    (
        "科列索夫强力切削法",
        ("车工", "刨工"),
        "学习苏联车工科列索夫的经验：用带副偏角的强力车刀加大进刀量，"
        "一次走刀切去较多余量，光洁度不降低。",
    ),
    (
        "多刀多刃切削法",
        ("车工", "铣工", "刨工"),
        "一次装卡用几把刀具或多刃刀具同时切削，减少走刀次数和换刀时间。",
    ),
    (
        "快速装卡夹具",
        ("车工", "铣工", "刨工", "磨工", "钳工"),
        "用快速夹具和定位装置装卡工件，省去反复找正，缩短辅助时间。",
    ),
    (
        "刀具合理刃磨",
        ("磨工", "车工", "刨工"),
        "按工件材料选定刀具角度，正确刃磨、研磨刃口，提高刀具耐用度，"
        "减少换刀和磨刀次数。",
    ),
)
# February's demonstrations (factory.demo.experiences): the second machining
# workshop's demonstrators show their experience where most workers were
# below quota in January. (index in EXPERIENCES, workshop, the trades it is
# shown to there, day, place)
FEBRUARY_SHOWINGS = (
    (0, "jg1", ("车工",), dt.date(1956, 2, 4), "第一加工车间 车工工段"),
    (1, "gj", ("车工",), dt.date(1956, 2, 6), "工具车间 车床组"),
    (2, "jg1", ("铣工", "刨工"), dt.date(1956, 2, 8), "第一加工车间 铣刨工段"),
    (3, "jg1", ("钳工",), dt.date(1956, 2, 10), "第一加工车间 钳工工段"),
    (4, "jg1", ("磨工",), dt.date(1956, 2, 13), "第一加工车间 磨工工段"),
    (4, "gj", ("磨工",), dt.date(1956, 2, 15), "工具车间 磨床组"),
)
# Why a check at the machine found the attendee not applying it yet.
NOT_YET_REASONS = (
    "刀具角度还没掌握好，不敢加大切削用量",
    "操作还不熟练，需要再练几次",
    "机床转速不够，要先检修",
    "新刀具还没领到，仍用旧刀",
)


def named_follow_ups() -> dict[str, tuple[FollowUpSpec, ...]]:
    return {
        "hu_weiliang": (
            FollowUpSpec(
                "talk",
                dt.date(1956, 3, 5),
                "下班后找他谈心。他承认常和爱人闹口角，心里烦，"
                "所以不断请假、迟到，二月只完成定额八成。",
            ),
            FollowUpSpec(
                "home_visit",
                dt.date(1956, 3, 8),
                "到他家里家访，分别和夫妻二人谈心，讲清道理，"
                "两人答应互相体谅，夫妻间的隔阂消除了。",
            ),
            FollowUpSpec(
                "talk",
                dt.date(1956, 3, 22),
                "回访：本月没有再请假或迟到，干劲足了，月底可以完成定额。",
                is_private=False,
            ),
        ),
        "wang_peisheng": (
            FollowUpSpec(
                "talk",
                dt.date(1956, 3, 4),
                "谈心：家里七口人靠他一人工资，母亲常年生病，生活困难，上班心神不定。",
            ),
            FollowUpSpec(
                "home_visit",
                dt.date(1956, 3, 7),
                "家访核实家庭困难情况，向车间和工会反映。",
            ),
            FollowUpSpec(
                "aid_granted",
                dt.date(1956, 3, 10),
                "工会发放生活困难补助，解决了家里的燃眉之急。",
                aid_amount=Decimal("30.00"),
                aid_kind="生活困难补助",
                aid_approved_by="厂工会",
            ),
            FollowUpSpec(
                "other",
                dt.date(1956, 4, 5),
                "劳动态度转变，三月完成定额百分之一百二十五，获得超额奖金。",
                is_private=False,
            ),
        ),
    }


# The January case re-diagnosed in February (factory.demo.january): classified
# ideology in January and, at first, in February; the talks found a
# technical problem instead. The February note is kept by the re-diagnosis.
REDIAGNOSED_NOTES = {
    "january": "认为定额高，干劲不足",
    "february": "谈心后干劲足了，仍完不成定额",
}
REDIAGNOSIS_REASON = (
    "谈心后干劲足了，二月仍完不成定额：看不懂新图纸，怕出废品不敢快干，"
    "是技术问题。改为在机床旁指导。"
)
# The stuck January case the secretary closed in March (factory.demo.january).
TRANSFER_REASON = "帮扶三个月仍完不成定额，经车间研究，四月起调做辅助工作。"
MENTORING_TEXT = "在机床旁手把手指导，纠正操作方法。"
TALK_TEXT = "找他谈心，了解思想情况，讲清道理。"


def rediagnosed_follow_ups() -> tuple[FollowUpSpec, ...]:
    return (
        FollowUpSpec(
            "talk",
            dt.date(1956, 2, 8),
            "找他谈心。他说并不嫌定额高，是新产品的图纸看不懂，怕出废品，不敢快干。",
        ),
        FollowUpSpec(
            "training",
            dt.date(1956, 3, 6),
            "在车床旁教他看图、对刀，一道工序一道工序地做给他看。",
            is_private=False,
        ),
    )


def january_follow_ups(measure: str, day: dt.date) -> tuple[FollowUpSpec, ...]:
    """What a helper logged on a January case in February, before the case
    was closed: one line, and the aid for a family's hardship."""
    if measure == "mentoring":
        return (FollowUpSpec("training", day, MENTORING_TEXT, is_private=False),)
    if measure == "hardship_aid":
        return (
            FollowUpSpec("home_visit", day, "家访，了解家庭困难情况。"),
            FollowUpSpec(
                "aid_granted",
                day + dt.timedelta(days=3),
                "发放生活困难补助。",
                aid_amount=Decimal(20),
                aid_kind="生活困难补助",
                aid_approved_by="厂工会",
            ),
        )
    return (FollowUpSpec("talk", day, TALK_TEXT),)


def generic_follow_ups(
    rng: random.Random,
    cause: str,
    measure: str,
    no: str,
    demonstrations: list[DemonstrationSpec],
) -> tuple[FollowUpSpec, ...]:
    day = dt.date(1956, 3, rng.randint(4, 20))
    if measure == "demonstration":
        attended = [d for d in demonstrations if no in d.attendees]
        if attended:
            # The visit itself is on the case's timeline through the
            # attendance; the helper logs what came after it.
            first = attended[0]
            return (
                FollowUpSpec(
                    "training",
                    first.date + dt.timedelta(days=2),
                    f"参观{first.technique}表演后，在他的机床上一起试用，"
                    "帮他调整操作方法。",
                    is_private=False,
                ),
            )
        return (
            FollowUpSpec(
                "training",
                day,
                "组织看先进生产者操作，讲解操作要领。",
                is_private=False,
            ),
        )
    if measure == "mentoring":
        return (
            FollowUpSpec(
                "training",
                day,
                MENTORING_TEXT,
                is_private=False,
            ),
        )
    if cause == FAMILY:
        return (
            FollowUpSpec("home_visit", day, "家访，了解家庭困难情况。"),
            FollowUpSpec(
                "aid_granted",
                day + dt.timedelta(days=3),
                "发放生活困难补助。",
                aid_amount=Decimal(rng.choice((15, 20, 25, 30))),
                aid_kind="生活困难补助",
                aid_approved_by="厂工会",
            ),
        )
    return (FollowUpSpec("talk", day, TALK_TEXT),)
