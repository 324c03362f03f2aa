"""Gift categories of an app (decisions.md section 9): the tabs of a gift panel, their names in other languages and
the gifts each holds. A gift may be in several categories, or in none.

A CategoryId that does not exist answers 100002 (``add_gift_category``: one that exists), a GiftId that does not
exist 102002.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from msgspec import UNSET, UnsetType

from liveroom.domain.context import Caller, Services
from liveroom.domain.gift_catalog import ListedCategory, localized, require_gifts
from liveroom.errors import InvalidParameter
from liveroom.store.interface import Transaction
from liveroom.store.records import CategoryChanges, CategoryRecord, Translation


class NewCategory(msgspec.Struct, frozen=True, kw_only=True):
    category_id: str
    default_name: str
    default_desc: str = ""


class CategoryUpdate(msgspec.Struct, frozen=True, kw_only=True):
    default_name: str | UnsetType = UNSET
    default_desc: str | UnsetType = UNSET


def category_not_found(category_id: str) -> InvalidParameter:
    return InvalidParameter(f"CategoryId: no gift category {category_id!r} in the app's gift configuration")


async def require_category(tx: Transaction, caller: Caller, category_id: str) -> CategoryRecord:
    """The category (in a write, kept until the end); 100002 when there is none."""
    category = await tx.get_category(caller.sdkappid, category_id)
    if category is None:
        raise category_not_found(category_id)
    return category


async def add_category(svc: Services, caller: Caller, spec: NewCategory) -> CategoryRecord:
    category = CategoryRecord(spec.category_id, spec.default_name, spec.default_desc, svc.now())
    async with svc.store.write() as tx:
        if not await tx.insert_category(caller.sdkappid, category):
            raise InvalidParameter(
                f"CategoryId: gift category {spec.category_id!r} already exists; change it with edit_gift_category"
            )
    return category


async def edit_category(svc: Services, caller: Caller, category_id: str, update: CategoryUpdate) -> None:
    changes = CategoryChanges(default_name=update.default_name, default_desc=update.default_desc)
    async with svc.store.write() as tx:
        if not await tx.update_category(caller.sdkappid, category_id, changes):
            raise category_not_found(category_id)


async def delete_category(svc: Services, caller: Caller, category_id: str) -> None:
    """The category goes with its other languages; its gifts stay in the app (and in other categories)."""
    async with svc.store.write() as tx:
        if not await tx.delete_category(caller.sdkappid, category_id):
            raise category_not_found(category_id)


async def get_category(svc: Services, caller: Caller, category_id: str, language: str) -> ListedCategory:
    """The category, named in ``language`` where set ("" for the defaults), with its gifts and languages."""
    sdkappid = caller.sdkappid
    async with svc.store.read() as tx:
        category = await require_category(tx, caller, category_id)
        languages = tuple((await tx.category_languages(sdkappid)).get(category_id, ()))
        gift_ids = tuple((await tx.category_gifts(sdkappid)).get(category_id, ()))
    names = localized(category.default_name, category.default_desc, languages, language)
    return ListedCategory(category=category, name=names.name, desc=names.desc, gift_ids=gift_ids, languages=languages)


# a category's names in other languages ------------------------------------------------------------------


async def category_language(svc: Services, caller: Caller, category_id: str, language: str) -> Translation:
    """The category's name and description in ``language``; both "" when none are set in it."""
    async with svc.store.read() as tx:
        await require_category(tx, caller, category_id)
        names = await tx.category_language(caller.sdkappid, category_id, language)
    return names or Translation(language, "", "")


async def set_category_language(svc: Services, caller: Caller, category_id: str, names: Translation) -> None:
    async with svc.store.write() as tx:
        await require_category(tx, caller, category_id)
        await tx.put_category_language(caller.sdkappid, category_id, names)


async def delete_category_language(svc: Services, caller: Caller, category_id: str, language: str) -> None:
    """Nothing happens when the category has no names in ``language``."""
    async with svc.store.write() as tx:
        await require_category(tx, caller, category_id)
        await tx.delete_category_language(caller.sdkappid, category_id, language)


# the gifts of a category --------------------------------------------------------------------------------


async def add_gifts(svc: Services, caller: Caller, category_id: str, gift_ids: Sequence[str]) -> None:
    """Put gifts in the category; those already in it stay as they are."""
    wanted = list(dict.fromkeys(gift_ids))
    async with svc.store.write() as tx:
        await require_category(tx, caller, category_id)
        await require_gifts(tx, caller, wanted)
        await tx.add_category_gifts(caller.sdkappid, category_id, wanted)


async def remove_gifts(svc: Services, caller: Caller, category_id: str, gift_ids: Sequence[str]) -> None:
    """Take gifts out of the category (they stay in the app); a gift that is not in it is ignored."""
    wanted = list(dict.fromkeys(gift_ids))
    async with svc.store.write() as tx:
        await require_category(tx, caller, category_id)
        await require_gifts(tx, caller, wanted)
        await tx.remove_category_gifts(caller.sdkappid, category_id, wanted)
