"""Chinese names for the demo roster, the same on every run.

Workers in a Taiyuan machine works in 1956 were mostly born in the 1920s and
1930s, so the given names are the ones of that generation (德福, 秀英), with the
surnames common in Shanxi weighted up.
"""

from __future__ import annotations

import random

# (surname, weight): the national top surnames, plus the ones Shanxi has more
# of than the rest of China (郭, 武, 贾, 阎, 乔, 郝, 薛, 温, 牛, 申, 梁).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 60),
    ("李", 55),
    ("张", 50),
    ("刘", 40),
    ("郭", 30),
    ("赵", 25),
    ("杨", 25),
    ("陈", 20),
    ("武", 18),
    ("贾", 16),
    ("梁", 15),
    ("高", 15),
    ("阎", 14),
    ("孙", 14),
    ("马", 13),
    ("任", 12),
    ("郝", 12),
    ("乔", 10),
    ("薛", 10),
    ("周", 10),
    ("吴", 9),
    ("徐", 9),
    ("胡", 8),
    ("朱", 8),
    ("田", 8),
    ("韩", 8),
    ("冯", 7),
    ("董", 7),
    ("曹", 7),
    ("程", 6),
    ("侯", 6),
    ("温", 6),
    ("牛", 6),
    ("申", 5),
    ("段", 5),
    ("常", 5),
    ("史", 5),
    ("秦", 5),
    ("白", 5),
    ("孟", 4),
    ("宋", 4),
    ("郑", 4),
    ("石", 4),
    ("卢", 4),
    ("崔", 4),
    ("康", 3),
    ("霍", 3),
    ("尹", 3),
    ("苏", 3),
    ("邢", 3),
    ("岳", 3),
    ("雷", 3),
    ("闫", 3),
    ("卫", 2),
    ("聂", 2),
    ("樊", 2),
)

# Characters men of that generation were named with (the first and the
# second place of a two-character name differ: 秉 leads, 祥 closes), and whole
# names common on their own (锁柱, 二虎).
MALE_FIRST = (
    "德福贵荣国忠树金保永长志有俊茂顺存润恒元仁"
    "汉书连庆富鸿世振维培宗晋秉守正文宝玉春清全海明"
)
MALE_SECOND = (
    "福贵荣华明忠林海成文宝山春生才发旺喜顺来根良祥瑞义信兴堂财亮泉胜和安平元仁奎"
)
MALE_WHOLE = (
    "锁柱",
    "二虎",
    "福堂",
    "存良",
    "三娃",
    "金锁",
    "拴柱",
    "来福",
    "满仓",
    "根旺",
    "栓保",
)
FEMALE_FIRST = "秀玉桂凤淑翠金素彩月爱美"
FEMALE_SECOND = "英兰梅珍芳花琴云霞莲娥"
FEMALE_WHOLE = (
    "秀英",
    "桂英",
    "玉兰",
    "淑珍",
    "凤英",
    "桂兰",
    "秀兰",
    "玉梅",
    "翠花",
    "金花",
    "素梅",
    "秀珍",
    "爱莲",
    "月娥",
)


def _given_name(rng: random.Random, female: bool) -> str:
    if female:
        if rng.random() < 0.5:
            return rng.choice(FEMALE_WHOLE)
        return rng.choice(FEMALE_FIRST) + rng.choice(FEMALE_SECOND)
    roll = rng.random()
    if roll < 0.12:
        return rng.choice(MALE_WHOLE)
    if roll < 0.24:
        return rng.choice(MALE_SECOND)
    first = rng.choice(MALE_FIRST)
    second = rng.choice(MALE_SECOND.replace(first, ""))
    return first + second


class NameMaker:
    """Unique full names from one seeded random generator."""

    def __init__(self, rng: random.Random, taken: set[str] | None = None):
        self.rng = rng
        self.taken = set(taken or ())
        self._surnames = [s for s, _ in SURNAMES]
        self._weights = [w for _, w in SURNAMES]

    def make(self, female: bool = False) -> str:
        while True:
            surname = self.rng.choices(self._surnames, self._weights)[0]
            name = surname + _given_name(self.rng, female)
            if name not in self.taken:
                self.taken.add(name)
                return name
