"""The file format's own words: how coded values are spelt in a file.

These are data, part of the file format (README): a roster
says 中共党员 whether or not this server has a compiled translation
catalogue, so the spellings live here as constants and are never read from
the interface's translations. The first spelling of each value is its
English label, the second its Chinese label (what messages and the import
templates show); the rest are variants that committees write. Header
spellings are constants too: the ``Column`` definitions of each importer.
"""

from __future__ import annotations

from workers.importing.tables import Column
from workers.models import Cause, MasteryLevel, PoliticalStatus

# --- the columns of each kind of file -----------------------------------------
# aliases are recognised by themselves; synonyms are only suggested when a
# required column is missing, and the user confirms them (column mapping).

EMPLOYEE_NO = Column(
    "employee_no",
    ("employee number", "employee no", "工号", "职工号", "员工号", "职工编号"),
    synonyms=("编号", "工人编号", "人员编号", "职工编码", "工作证号", "工号码"),
)
MONTH = Column(
    "month", ("月份", "月", "年月"), synonyms=("统计月份", "日期", "年月份", "期间")
)

ROSTER_COLUMNS = [
    EMPLOYEE_NO,
    Column("name", ("姓名", "名字"), synonyms=("职工姓名", "工人姓名", "员工姓名")),
    Column(
        "workshop",
        ("车间", "所在车间", "车间名称", "车间代码"),
        synonyms=("部门", "所在部门", "工段", "车间/部门"),
    ),
    Column("trade", ("工种",), required=False, synonyms=("岗位", "工种名称")),
    Column(
        "political_status",
        ("political status", "政治面貌"),
        required=False,
        synonyms=("政治身份", "党派"),
    ),
    Column("activist", ("is_activist", "积极分子"), required=False),
]

RECORD_COLUMNS = [
    EMPLOYEE_NO,
    MONTH,
    Column(
        "quota",
        ("定额", "生产定额", "定额数"),
        synonyms=("计划定额", "定额产量", "计划数", "计划", "定额量"),
    ),
    Column(
        "output",
        ("实际完成", "完成", "实际产量", "产量", "完成数"),
        synonyms=("实做", "实做数", "实际", "完成量", "实产", "实际完成数"),
    ),
    Column("unit", ("单位", "计量单位"), required=False, synonyms=("计量",)),
]

CLASSIFICATION_COLUMNS = [
    EMPLOYEE_NO,
    MONTH,
    Column(
        "cause",
        ("原因", "主要原因", "未完成原因", "分类", "shortfall cause"),
        synonyms=("未完成定额原因", "原因分类", "落后原因"),
    ),
    Column("note", ("备注", "说明", "notes"), required=False, synonyms=("附注",)),
]

MASTERY_COLUMNS = [
    EMPLOYEE_NO,
    Column(
        "experience",
        ("先进经验", "经验", "经验名称", "先进经验名称"),
        synonyms=("先进操作法", "操作法", "技术名称", "推广项目"),
    ),
    Column(
        "level",
        ("程度", "掌握程度", "mastery"),
        synonyms=("掌握情况", "水平", "等级"),
    ),
    Column(
        "checked_on",
        ("检查日期", "checked on", "check date"),
        synonyms=("日期", "检查时间", "验收日期"),
    ),
]

POLITICAL_STATUS: dict[str, tuple[str, ...]] = {
    PoliticalStatus.PARTY_MEMBER: (
        "Party member",
        "中共党员",
        "党员",
        "中国共产党党员",
        "共产党员",
        "CPC member",
    ),
    PoliticalStatus.PROBATIONARY_MEMBER: (
        "probationary member",
        "中共预备党员",
        "预备党员",
        "中国共产党预备党员",
    ),
    PoliticalStatus.LEAGUE_MEMBER: (
        "League member",
        "共青团员",
        "团员",
        "中国共产主义青年团团员",
        "Youth League member",
    ),
    PoliticalStatus.MASSES: ("masses", "群众", "普通群众"),
}

CAUSE: dict[str, tuple[str, ...]] = {
    Cause.TECHNIQUE: ("backward technique", "技术落后", "技术"),
    Cause.IDEOLOGY: ("ideological problem", "思想问题", "思想"),
    Cause.FAMILY: (
        "family financial difficulty",
        "家庭经济困难",
        "家庭困难",
        "经济困难",
        "家庭",
    ),
    Cause.OTHER: ("other", "其它原因", "其它", "其他", "其他原因"),
}

MASTERY_LEVEL: dict[str, tuple[str, ...]] = {
    MasteryLevel.LEARNING: ("learning", "学习中", "正在学习", "在学", "学习"),
    MasteryLevel.APPLIES: (
        "applies it",
        "已掌握",
        "掌握",
        "会用",
        "applies",
        "applied",
    ),
    MasteryLevel.TEACHES: (
        "can teach it",
        "能传授",
        "可传授",
        "能教",
        "teaches",
        "can teach",
    ),
}

# yes/no cells (积极分子): compared case-insensitively after NFKC.
YES = ("yes", "y", "true", "t", "1", "是", "√", "✓")
NO = ("no", "n", "false", "f", "0", "否")

# The spellings of each TextChoices a file may hold, by its class.
CHOICES: dict[type, dict[str, tuple[str, ...]]] = {
    PoliticalStatus: POLITICAL_STATUS,
    Cause: CAUSE,
    MasteryLevel: MASTERY_LEVEL,
}


def english(choices: type, code: str) -> str:
    return CHOICES[choices][code][0]


def chinese(choices: type, code: str) -> str:
    return CHOICES[choices][code][1]
