"""An app's gifts (decisions.md section 9): add, change, remove and read them, their names in other languages, and
the whole configuration as a client shows it, in the language it asks for.

Inputs arrive as typed values (``NewGift``, ``GiftUpdate``) already checked for JSON type, range and byte length by
the wire layer; the rules here are the ones that need the store. A GiftId that does not exist answers 102002,
except to ``add_gift``, for which one that exists is the invalid parameter (100002).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from msgspec import UNSET, UnsetType

from liveroom.domain.context import Caller, Services
from liveroom.errors import ErrorCode, InvalidParameter, LiveError
from liveroom.store.interface import Transaction
from liveroom.store.records import CategoryRecord, GiftChanges, GiftRecord, Translation

COINS_MAX = 2**31 - 1


class NewGift(msgspec.Struct, frozen=True, kw_only=True):
    gift_id: str
    coins: int
    default_name: str
    icon_url: str = ""
    resource_url: str = ""
    level: int = 0
    extension_info: str = ""
    default_desc: str = ""


class GiftUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of a gift to change; a field left UNSET keeps its value."""

    icon_url: str | UnsetType = UNSET
    resource_url: str | UnsetType = UNSET
    coins: int | UnsetType = UNSET
    level: int | UnsetType = UNSET
    extension_info: str | UnsetType = UNSET
    default_name: str | UnsetType = UNSET
    default_desc: str | UnsetType = UNSET


class ListedGift(msgspec.Struct, frozen=True, kw_only=True):
    """A gift as a client lists it: ``name`` and ``desc`` in the language asked for where set, else the defaults."""

    gift: GiftRecord
    name: str
    desc: str
    languages: tuple[Translation, ...]


class ListedCategory(msgspec.Struct, frozen=True, kw_only=True):
    category: CategoryRecord
    name: str
    desc: str
    gift_ids: tuple[str, ...]
    languages: tuple[Translation, ...]


class Catalog(msgspec.Struct, frozen=True):
    gifts: list[ListedGift]
    categories: list[ListedCategory]


def check_extension(value: str) -> None:
    """ExtensionInfo is empty or a JSON text (of at most 100 bytes: the wire layer's rule)."""
    if value:
        try:
            msgspec.json.decode(value)
        except msgspec.DecodeError:
            raise InvalidParameter("ExtensionInfo: must be JSON (or empty)") from None


def localized(default_name: str, default_desc: str, languages: Sequence[Translation], language: str) -> Translation:
    """The name and description in ``language`` where the app set them, else the defaults (a description left
    empty in that language falls back too)."""
    for names in languages:
        if names.language == language:
            return Translation(language, names.name, names.desc or default_desc)
    return Translation(language, default_name, default_desc)


def gift_not_found(gift_id: str) -> LiveError:
    return LiveError(ErrorCode.GIFT_NOT_FOUND, f"GiftId: no gift {gift_id!r} in the app's gift configuration")


async def require_gifts(tx: Transaction, caller: Caller, gift_ids: Sequence[str]) -> None:
    """102002 naming the first of ``gift_ids`` that does not exist; in a write, the others stay until the end."""
    found = await tx.existing_gifts(caller.sdkappid, gift_ids)
    for gift_id in gift_ids:
        if gift_id not in found:
            raise gift_not_found(gift_id)


# gifts --------------------------------------------------------------------------------------------------


async def add_gift(svc: Services, caller: Caller, spec: NewGift) -> GiftRecord:
    check_extension(spec.extension_info)
    gift = GiftRecord(
        gift_id=spec.gift_id,
        icon_url=spec.icon_url,
        resource_url=spec.resource_url,
        coins=spec.coins,
        level=spec.level,
        extension_info=spec.extension_info,
        default_name=spec.default_name,
        default_desc=spec.default_desc,
        create_time=svc.now(),
    )
    async with svc.store.write() as tx:
        if not await tx.insert_gift(caller.sdkappid, gift):
            raise InvalidParameter(f"GiftId: gift {spec.gift_id!r} already exists; change it with edit_gift")
    return gift


async def edit_gift(svc: Services, caller: Caller, gift_id: str, update: GiftUpdate) -> None:
    if not isinstance(update.extension_info, UnsetType):
        check_extension(update.extension_info)
    changes = GiftChanges(**msgspec.structs.asdict(update))
    async with svc.store.write() as tx:
        if not await tx.update_gift(caller.sdkappid, gift_id, changes):
            raise gift_not_found(gift_id)


async def delete_gift(svc: Services, caller: Caller, gift_id: str) -> None:
    """The gift goes with its other languages and its place in every category."""
    async with svc.store.write() as tx:
        if not await tx.delete_gift(caller.sdkappid, gift_id):
            raise gift_not_found(gift_id)


async def get_gift(svc: Services, caller: Caller, gift_id: str) -> GiftRecord:
    async with svc.store.read() as tx:
        gift = await tx.get_gift(caller.sdkappid, gift_id)
    if gift is None:
        raise gift_not_found(gift_id)
    return gift


async def catalog(svc: Services, caller: Caller, language: str) -> Catalog:
    """Every gift (the cheapest first) and category (by CategoryId), named in ``language`` ("" for the defaults)."""
    sdkappid = caller.sdkappid
    async with svc.store.read() as tx:
        gifts = await tx.list_gifts(sdkappid)
        gift_languages = await tx.gift_languages(sdkappid)
        categories = await tx.list_categories(sdkappid)
        category_languages = await tx.category_languages(sdkappid)
        category_gifts = await tx.category_gifts(sdkappid)
    listed_gifts = []
    for gift in gifts:
        languages = tuple(gift_languages.get(gift.gift_id, ()))
        names = localized(gift.default_name, gift.default_desc, languages, language)
        listed_gifts.append(ListedGift(gift=gift, name=names.name, desc=names.desc, languages=languages))
    listed_categories = []
    for category in categories:
        languages = tuple(category_languages.get(category.category_id, ()))
        names = localized(category.default_name, category.default_desc, languages, language)
        listed_categories.append(
            ListedCategory(
                category=category,
                name=names.name,
                desc=names.desc,
                gift_ids=tuple(category_gifts.get(category.category_id, ())),
                languages=languages,
            )
        )
    return Catalog(listed_gifts, listed_categories)


# a gift's names in other languages ----------------------------------------------------------------------


async def gift_language(svc: Services, caller: Caller, gift_id: str, language: str) -> Translation:
    """The gift's name and description in ``language``; both "" when none are set in it."""
    async with svc.store.read() as tx:
        await require_gifts(tx, caller, [gift_id])
        names = await tx.gift_language(caller.sdkappid, gift_id, language)
    return names or Translation(language, "", "")


async def set_gift_language(svc: Services, caller: Caller, gift_id: str, names: Translation) -> None:
    async with svc.store.write() as tx:
        await require_gifts(tx, caller, [gift_id])
        await tx.put_gift_language(caller.sdkappid, gift_id, names)


async def delete_gift_language(svc: Services, caller: Caller, gift_id: str, language: str) -> None:
    """Nothing happens when the gift has no names in ``language``."""
    async with svc.store.write() as tx:
        await require_gifts(tx, caller, [gift_id])
        await tx.delete_gift_language(caller.sdkappid, gift_id, language)
