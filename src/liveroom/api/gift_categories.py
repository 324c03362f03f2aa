"""Gift categories, ``v4/live_engine_http_srv``: categories, their other languages and the gifts each holds
(decisions.md section 9). A CategoryId that does not exist answers 100002."""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from liveroom.api.gift_catalog import (
    NOT_FOUND,
    CategoryInfo,
    Desc,
    GiftId,
    Language,
    Name,
    WantedLanguage,
    category_info,
)
from liveroom.api.registry import command
from liveroom.api.rooms import SERVICE
from liveroom.api.wire import Wire, domain_input, text
from liveroom.domain import gift_categories
from liveroom.domain.context import Caller, Services
from liveroom.store.records import Translation

CategoryId = Annotated[str, text(1, 20)]


class AddCategoryRequest(Wire):
    category_id: CategoryId
    default_name: Name
    default_desc: Desc = ""


@command(SERVICE, "add_gift_category", request=AddCategoryRequest)
async def add_gift_category(svc: Services, caller: Caller, req: AddCategoryRequest) -> None:
    """Add a gift category (a CategoryId that exists: 100002); put gifts in it with add_gift_category_relations."""
    await gift_categories.add_category(svc, caller, domain_input(req, gift_categories.NewCategory))


class EditCategoryRequest(Wire):
    category_id: CategoryId
    default_name: Name | UnsetType = UNSET
    default_desc: Desc | UnsetType = UNSET


@command(SERVICE, "edit_gift_category", request=EditCategoryRequest)
async def edit_gift_category(svc: Services, caller: Caller, req: EditCategoryRequest) -> None:
    """Change the given fields of a gift category; fields not given keep their values."""
    update = domain_input(req, gift_categories.CategoryUpdate)
    await gift_categories.edit_category(svc, caller, req.category_id, update)


class CategoryRequest(Wire):
    category_id: CategoryId


@command(SERVICE, "del_gift_category", request=CategoryRequest)
async def del_gift_category(svc: Services, caller: Caller, req: CategoryRequest) -> None:
    """Remove a gift category and its other languages; its gifts stay in the app."""
    await gift_categories.delete_category(svc, caller, req.category_id)


class GetCategoryRequest(Wire):
    category_id: CategoryId
    language: WantedLanguage = ""


class GetCategoryResponse(Wire):
    category: CategoryInfo


@command(SERVICE, "get_gift_category", request=GetCategoryRequest, response=GetCategoryResponse)
async def get_gift_category(svc: Services, caller: Caller, req: GetCategoryRequest) -> GetCategoryResponse:
    """Read one gift category with its gifts and languages, named in ``Language`` where set."""
    listed = await gift_categories.get_category(svc, caller, req.category_id, req.language)
    return GetCategoryResponse(category_info(listed))


# get/set/del_gift_category_language ---------------------------------------------------------------------


class CategoryLanguageRequest(Wire):
    category_id: CategoryId
    language: Language


class SetCategoryLanguageRequest(Wire):
    category_id: CategoryId
    language: Language
    category_name: Name
    category_desc: Desc = ""


class CategoryNames(Wire):
    category_name: str
    category_desc: str


class CategoryLanguageResponse(Wire):
    language: CategoryNames


@command(SERVICE, "get_gift_category_language", request=CategoryLanguageRequest, response=CategoryLanguageResponse)
async def get_gift_category_language(
    svc: Services, caller: Caller, req: CategoryLanguageRequest
) -> CategoryLanguageResponse:
    """A gift category's name and description in one language (both "" when none are set in it)."""
    names = await gift_categories.category_language(svc, caller, req.category_id, req.language)
    return CategoryLanguageResponse(CategoryNames(category_name=names.name, category_desc=names.desc))


@command(SERVICE, "set_gift_category_language", request=SetCategoryLanguageRequest)
async def set_gift_category_language(svc: Services, caller: Caller, req: SetCategoryLanguageRequest) -> None:
    """Set a gift category's name and description in one language (replacing those set before)."""
    names = Translation(req.language, req.category_name, req.category_desc)
    await gift_categories.set_category_language(svc, caller, req.category_id, names)


@command(SERVICE, "del_gift_category_language", request=CategoryLanguageRequest)
async def del_gift_category_language(svc: Services, caller: Caller, req: CategoryLanguageRequest) -> None:
    """Remove a gift category's names in one language (nothing happens when it has none in it)."""
    await gift_categories.delete_category_language(svc, caller, req.category_id, req.language)


# add/del_gift_category_relations ------------------------------------------------------------------------


class CategoryRelationsRequest(Wire):
    category_id: CategoryId
    gift_id_list: Annotated[list[GiftId], Meta(min_length=1, max_length=100)]


@command(SERVICE, "add_gift_category_relations", request=CategoryRelationsRequest, errors=NOT_FOUND)
async def add_gift_category_relations(svc: Services, caller: Caller, req: CategoryRelationsRequest) -> None:
    """Put up to 100 gifts in a category (a gift may be in several); those already in it stay."""
    await gift_categories.add_gifts(svc, caller, req.category_id, req.gift_id_list)


@command(SERVICE, "del_gift_category_relations", request=CategoryRelationsRequest, errors=NOT_FOUND)
async def del_gift_category_relations(svc: Services, caller: Caller, req: CategoryRelationsRequest) -> None:
    """Take up to 100 gifts out of a category; they stay in the app (a gift not in it is ignored)."""
    await gift_categories.remove_gifts(svc, caller, req.category_id, req.gift_id_list)
