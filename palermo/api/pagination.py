"""One way to page every list: `page` (from 1) and `page_size` (25 unless asked, at most
500), answered as {"items": [...], "count": <all matching>}. A page past the end is empty."""

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

PAGE_SIZE = 25
MAX_PAGE_SIZE = 500
# Far beyond any real list; it keeps the SQL offset inside a 64-bit integer (a larger one
# would be a database error, a 500, instead of an empty page).
MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="The page number, from 1.")
        page_size: int | None = Field(
            None,
            ge=1,
            description=f"Items per page: {PAGE_SIZE} unless given; larger values are "
            f"read as {MAX_PAGE_SIZE}.",
        )

    def __init__(self, **kwargs):
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)


class Mapped:
    """Rows (a queryset or a list) turned into output only once paged: the paginator counts
    them and slices them (in SQL for a queryset), and `out` runs on that page's rows alone."""

    def __init__(self, rows, out):
        self.rows = rows
        self.out = out

    def __len__(self) -> int:
        return self.rows.count() if isinstance(self.rows, QuerySet) else len(self.rows)

    def __getitem__(self, page: slice) -> list:
        return [self.out(row) for row in self.rows[page]]
