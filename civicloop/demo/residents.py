# SPDX-License-Identifier: MPL-2.0
"""The demo identity provider's residents. Fictional people; the names carry rare characters on purpose."""

from typing import TypedDict


class DemoResident(TypedDict):
    sub: str
    name: str
    name_kana: str
    birthdate: str
    gender: str
    email: str
    address: str


DEMO_RESIDENTS: list[DemoResident] = [
    {
        "sub": "demo-0001",
        "name": "渋谷 花子",
        "name_kana": "シブヤ ハナコ",
        "birthdate": "1988-04-12",
        "gender": "female",
        "email": "hanako@example.jp",
        "address": "東京都渋谷区宇田川町1-1 シブヤハイツ101",
    },
    {
        "sub": "demo-0002",
        "name": "𠮷田 太郎",
        "name_kana": "ヨシダ タロウ",
        "birthdate": "1975-11-03",
        "gender": "male",
        "email": "taro@example.jp",
        "address": "東京都渋谷区神南2-3-4",
    },
    {
        "sub": "demo-0003",
        "name": "髙橋 美咲",
        "name_kana": "タカハシ ミサキ",
        "birthdate": "1995-07-21",
        "gender": "female",
        "email": "misaki@example.jp",
        "address": "東京都渋谷区恵比寿西1-2-3 恵比寿レジデンス502",
    },
    {
        "sub": "demo-0004",
        "name": "Alex Smith",
        "name_kana": "スミス アレックス",
        "birthdate": "1990-02-28",
        "gender": "other",
        "email": "alex@example.com",
        "address": "東京都渋谷区代々木5-6-7",
    },
]


def find_resident(sub: str) -> DemoResident | None:
    return next((r for r in DEMO_RESIDENTS if r["sub"] == sub), None)
