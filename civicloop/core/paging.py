# SPDX-License-Identifier: MPL-2.0
"""Django's Paginator, without the COUNT when the first page holds every row.

Most people have fewer applications than fit on a page: the first page, read one row longer than a
page, then says how many there are, and the `SELECT COUNT(*)` Django runs before it is not needed.
A longer list, or any later page, is paged exactly as Django pages it.
"""

from typing import TYPE_CHECKING, Any

from django.core import paginator

if TYPE_CHECKING:  # generic in django-stubs only, not at run time
    _Paginator = paginator.Paginator[Any]
    _Page = paginator.Page[Any]
else:
    _Paginator, _Page = paginator.Paginator, paginator.Page


class Paginator(_Paginator):
    def get_page(self, number: Any) -> _Page:
        if (
            number not in (None, "", 1, "1")
            or self.orphans
            or not self.allow_empty_first_page
            or "count" in self.__dict__
        ):
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.__dict__["count"] = len(rows)  # Paginator.count is a cached_property: this is its slot
        return paginator.Page(rows[: self.per_page], 1, self)
