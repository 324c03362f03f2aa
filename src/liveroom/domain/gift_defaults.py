"""liveroom's default gift configuration: what ``copy_default_gift_config`` installs into an app that has none.

Three categories of five gifts, from a 1-coin heart to an 8,888-coin rocket, named in English (the defaults) and in
Simplified Chinese (``zh-CN``). Each icon is an SVG shipped in the package and served by liveroom itself under
``/static/gifts/``; the URLs are relative to the server's base URL.
"""

from __future__ import annotations

from typing import NamedTuple

from liveroom.domain.context import Caller, Services
from liveroom.errors import InvalidParameter
from liveroom.store.records import CategoryRecord, GiftRecord, Translation

ICON_PATH = "/static/gifts/"
CHINESE = "zh-CN"
# Shown full screen by clients that read it; a sign of what ExtensionInfo is for.
_SHOWPIECE = '{"effect":"fullscreen"}'


class DefaultGift(NamedTuple):
    gift_id: str
    coins: int
    level: int
    name: str
    desc: str
    chinese_name: str
    chinese_desc: str


class DefaultCategory(NamedTuple):
    category_id: str
    name: str
    desc: str
    chinese_name: str
    chinese_desc: str
    gifts: tuple[DefaultGift, ...]


CATEGORIES = (
    DefaultCategory(
        "popular",
        "Popular",
        "Loved by everyone",
        "热门",
        "人气之选",
        (
            DefaultGift("heart", 1, 1, "Heart", "A little love", "爱心", "一点心意"),
            DefaultGift("applause", 3, 1, "Applause", "Bravo!", "掌声", "精彩"),
            DefaultGift("rose", 5, 1, "Rose", "For you", "玫瑰", "送给你"),
            DefaultGift("lollipop", 9, 1, "Lollipop", "Sweet as you", "棒棒糖", "甜甜的"),
            DefaultGift("coffee", 19, 2, "Coffee", "Keep it going", "咖啡", "提提神"),
        ),
    ),
    DefaultCategory(
        "fun",
        "Fun",
        "Playful and bright",
        "趣味",
        "好玩有趣",
        (
            DefaultGift("balloon", 29, 2, "Balloon", "Up, up and away", "气球", "飞起来"),
            DefaultGift("ice-cream", 39, 2, "Ice Cream", "A cool treat", "冰淇淋", "清凉一夏"),
            DefaultGift("cake", 66, 2, "Cake", "Let's celebrate", "蛋糕", "一起庆祝"),
            DefaultGift("fireworks", 99, 3, "Fireworks", "Light up the sky", "烟花", "点亮夜空"),
            DefaultGift("rainbow", 188, 3, "Rainbow", "After the rain", "彩虹", "雨过天晴"),
        ),
    ),
    DefaultCategory(
        "luxury",
        "Luxury",
        "For big moments",
        "豪华",
        "高光时刻",
        (
            DefaultGift("crown", 520, 4, "Crown", "You rule", "皇冠", "王者风范"),
            DefaultGift("diamond", 999, 4, "Diamond", "Shine forever", "钻石", "闪耀永恒"),
            DefaultGift("sports-car", 1314, 5, "Sports Car", "Full speed ahead", "跑车", "极速狂飙"),
            DefaultGift("yacht", 3344, 5, "Yacht", "Sail together", "游艇", "扬帆起航"),
            DefaultGift("rocket", 8888, 6, "Rocket", "To the moon", "火箭", "直冲云霄"),
        ),
    ),
)
GIFTS = tuple(gift for category in CATEGORIES for gift in category.gifts)


def icon_url(gift_id: str) -> str:
    return f"{ICON_PATH}{gift_id}.svg"


async def copy_default_config(svc: Services, caller: Caller) -> None:
    """Install the default configuration; 100002 when the app has any gift or category already."""
    sdkappid, now = caller.sdkappid, svc.now()
    async with svc.store.write() as tx:
        gifts, categories = await tx.gift_config_size(sdkappid)
        if gifts or categories:
            raise _not_empty(gifts, categories)
        for category in CATEGORIES:
            record = CategoryRecord(category.category_id, category.name, category.desc, now)
            # Another copy may have committed since the count above (PostgreSQL, at once): then one of these
            # inserts finds its row, and this one is refused as a whole.
            if not await tx.insert_category(sdkappid, record):
                raise _not_empty(0, 1)
            names = Translation(CHINESE, category.chinese_name, category.chinese_desc)
            await tx.put_category_language(sdkappid, category.category_id, names)
            for gift in category.gifts:
                extension = _SHOWPIECE if gift.level >= 5 else ""
                gift_record = GiftRecord(
                    gift.gift_id,
                    icon_url(gift.gift_id),
                    "",
                    gift.coins,
                    gift.level,
                    extension,
                    gift.name,
                    gift.desc,
                    now,
                )
                if not await tx.insert_gift(sdkappid, gift_record):
                    raise _not_empty(1, 0)
                await tx.put_gift_language(
                    sdkappid, gift.gift_id, Translation(CHINESE, gift.chinese_name, gift.chinese_desc)
                )
            await tx.add_category_gifts(sdkappid, category.category_id, [gift.gift_id for gift in category.gifts])


def _not_empty(gifts: int, categories: int) -> InvalidParameter:
    return InvalidParameter(
        f"body: the app already has a gift configuration ({gifts} gifts, {categories} categories); "
        "copy_default_gift_config only fills an empty one"
    )
