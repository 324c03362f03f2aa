"""The gift configuration, ``v4/live_engine_http_srv``: the default set, gifts, their other languages and the list
a client shows (decisions.md section 9). Categories are in ``gift_categories``, sending in ``gifts``."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from liveroom.api.registry import command
from liveroom.api.rooms import SERVICE
from liveroom.api.wire import INT64_MAX, Empty, Wire, domain_input, text
from liveroom.domain import gift_catalog, gift_defaults
from liveroom.domain.context import Caller, Services
from liveroom.domain.gift_catalog import COINS_MAX, ListedGift
from liveroom.domain.ratelimit import Rate
from liveroom.errors import ErrorCode
from liveroom.store.records import GiftRecord, Translation

GiftId = Annotated[str, text(1, 20)]
Url = Annotated[str, text(0, 200)]
Coins = Annotated[int, Meta(ge=0, le=COINS_MAX, description="the unit price in the app's coins")]
Level = Annotated[int, Meta(ge=0, le=INT64_MAX)]
ExtensionInfo = Annotated[str, text(0, 100), Meta(description="JSON text or empty, 0-100 bytes (UTF-8)")]
Name = Annotated[str, text(1, 20)]
Desc = Annotated[str, text(0, 20)]
Language = Annotated[
    str,
    text(1, 16, ascii_printable=True),
    Meta(description="a language code (en, zh-CN ...), 1-16 bytes of printable ASCII"),
]
WantedLanguage = Annotated[
    str,
    text(0, 16, ascii_printable=True),
    Meta(description="names in this language where set, else the defaults (empty: the defaults); 0-16 bytes"),
]
NOT_FOUND = (ErrorCode.GIFT_NOT_FOUND,)


@command(SERVICE, "copy_default_gift_config", request=Empty, rate=Rate(1, 10))
async def copy_default_gift_config(svc: Services, caller: Caller, req: Empty) -> None:
    """Install liveroom's default gift configuration (3 categories, 15 gifts, in en and zh-CN) into an app that has
    no gift or category yet."""
    await gift_defaults.copy_default_config(svc, caller)


# add_gift / edit_gift / del_gift / get_gift -------------------------------------------------------------


class AddGiftRequest(Wire):
    gift_id: GiftId
    coins: Coins
    default_name: Name
    icon_url: Url = ""
    resource_url: Url = ""
    level: Level = 0
    extension_info: ExtensionInfo = ""
    default_desc: Desc = ""


@command(SERVICE, "add_gift", request=AddGiftRequest, rate=Rate(1))
async def add_gift(svc: Services, caller: Caller, req: AddGiftRequest) -> None:
    """Add a gift to the app's configuration (a GiftId that exists: 100002)."""
    await gift_catalog.add_gift(svc, caller, domain_input(req, gift_catalog.NewGift))


class EditGiftRequest(Wire):
    gift_id: GiftId
    coins: Coins | UnsetType = UNSET
    default_name: Name | UnsetType = UNSET
    icon_url: Url | UnsetType = UNSET
    resource_url: Url | UnsetType = UNSET
    level: Level | UnsetType = UNSET
    extension_info: ExtensionInfo | UnsetType = UNSET
    default_desc: Desc | UnsetType = UNSET


@command(SERVICE, "edit_gift", request=EditGiftRequest, errors=NOT_FOUND)
async def edit_gift(svc: Services, caller: Caller, req: EditGiftRequest) -> None:
    """Change the given fields of a gift; fields not given keep their values."""
    await gift_catalog.edit_gift(svc, caller, req.gift_id, domain_input(req, gift_catalog.GiftUpdate))


class GiftRequest(Wire):
    gift_id: GiftId


@command(SERVICE, "del_gift", request=GiftRequest, errors=NOT_FOUND)
async def del_gift(svc: Services, caller: Caller, req: GiftRequest) -> None:
    """Remove a gift, with its other languages and its place in every category."""
    await gift_catalog.delete_gift(svc, caller, req.gift_id)


class GiftInfo(Wire):
    gift_id: str
    icon_url: str
    resource_url: str
    coins: int
    level: int
    extension_info: str
    default_name: str
    default_desc: str


class GetGiftResponse(Wire):
    gift_info: GiftInfo


def gift_info(gift: GiftRecord) -> GiftInfo:
    return GiftInfo(
        gift_id=gift.gift_id,
        icon_url=gift.icon_url,
        resource_url=gift.resource_url,
        coins=gift.coins,
        level=gift.level,
        extension_info=gift.extension_info,
        default_name=gift.default_name,
        default_desc=gift.default_desc,
    )


@command(
    SERVICE, "get_gift", request=GiftRequest, response=GetGiftResponse, rate=Rate(1), errors=NOT_FOUND, top_level=True
)
async def get_gift(svc: Services, caller: Caller, req: GiftRequest) -> GetGiftResponse:
    """Read one gift; ``GiftInfo`` is answered beside ``ActionStatus``, not under ``Response`` (as Tencent does)."""
    return GetGiftResponse(gift_info(await gift_catalog.get_gift(svc, caller, req.gift_id)))


# get_gift_info_list -------------------------------------------------------------------------------------


class GiftInfoListRequest(Wire):
    language: WantedLanguage = ""


class GiftLanguage(Wire):
    language: str
    name: str
    desc: str


class ListedGiftInfo(Wire):
    gift_id: str
    name: str
    desc: str
    icon_url: str
    coins: int
    resource_url: str
    level: int
    extension_info: str
    create_time: int
    language_list: list[GiftLanguage]


class CategoryLanguage(Wire):
    language: str
    category_name: str
    category_desc: str


class CategoryInfo(Wire):
    category_id: str
    category_name: str
    category_desc: str
    gift_id_list: list[str]
    language_list: list[CategoryLanguage]


class GiftInfoListResponse(Wire):
    gift_list: list[ListedGiftInfo]
    category_list: list[CategoryInfo]
    total_count: int


def listed_gift(listed: ListedGift) -> ListedGiftInfo:
    gift = listed.gift
    return ListedGiftInfo(
        gift_id=gift.gift_id,
        name=listed.name,
        desc=listed.desc,
        icon_url=gift.icon_url,
        coins=gift.coins,
        resource_url=gift.resource_url,
        level=gift.level,
        extension_info=gift.extension_info,
        create_time=gift.create_time,
        language_list=[GiftLanguage(language=t.language, name=t.name, desc=t.desc) for t in listed.languages],
    )


def category_info(listed: gift_catalog.ListedCategory) -> CategoryInfo:
    return CategoryInfo(
        category_id=listed.category.category_id,
        category_name=listed.name,
        category_desc=listed.desc,
        gift_id_list=list(listed.gift_ids),
        language_list=[
            CategoryLanguage(language=t.language, category_name=t.name, category_desc=t.desc) for t in listed.languages
        ],
    )


@command(SERVICE, "get_gift_info_list", request=GiftInfoListRequest, response=GiftInfoListResponse)
async def get_gift_info_list(svc: Services, caller: Caller, req: GiftInfoListRequest) -> GiftInfoListResponse:
    """Every gift (the cheapest first) and category of the app, named in ``Language`` where the app set names in
    it and by their defaults otherwise; each with all its languages."""
    catalog = await gift_catalog.catalog(svc, caller, req.language)
    return GiftInfoListResponse(
        gift_list=[listed_gift(g) for g in catalog.gifts],
        category_list=[category_info(c) for c in catalog.categories],
        total_count=len(catalog.gifts),
    )


# get_gift_language / set_gift_language / del_gift_language ----------------------------------------------


class GiftLanguageRequest(Wire):
    gift_id: GiftId
    language: Language


class SetGiftLanguageRequest(Wire):
    gift_id: GiftId
    language: Language
    name: Name
    desc: Desc = ""


class GiftNames(Wire):
    name: str
    desc: str


class GiftLanguageResponse(Wire):
    language: GiftNames


@command(SERVICE, "get_gift_language", request=GiftLanguageRequest, response=GiftLanguageResponse, errors=NOT_FOUND)
async def get_gift_language(svc: Services, caller: Caller, req: GiftLanguageRequest) -> GiftLanguageResponse:
    """A gift's name and description in one language (both "" when none are set in it)."""
    names = await gift_catalog.gift_language(svc, caller, req.gift_id, req.language)
    return GiftLanguageResponse(GiftNames(name=names.name, desc=names.desc))


@command(SERVICE, "set_gift_language", request=SetGiftLanguageRequest, errors=NOT_FOUND)
async def set_gift_language(svc: Services, caller: Caller, req: SetGiftLanguageRequest) -> None:
    """Set a gift's name and description in one language (replacing those set before)."""
    await gift_catalog.set_gift_language(svc, caller, req.gift_id, Translation(req.language, req.name, req.desc))


@command(SERVICE, "del_gift_language", request=GiftLanguageRequest, errors=NOT_FOUND)
async def del_gift_language(svc: Services, caller: Caller, req: GiftLanguageRequest) -> None:
    """Remove a gift's names in one language (nothing happens when it has none in it)."""
    await gift_catalog.delete_gift_language(svc, caller, req.gift_id, req.language)
