"""Reading list filters from a query string, shared by every list page and its API twin."""

from django.utils.translation import gettext as _


def read_filter_values(params, names: tuple[str, ...], error: type[Exception]) -> dict[str, str]:
    """The named values, stripped. A NUL byte (which PostgreSQL refuses in text) or an
    absurdly long value is a bad filter (400), never a database error."""
    values = {name: (params.get(name) or "").strip() for name in names}
    for name, value in values.items():
        if "\x00" in value or len(value) > 200:
            raise error(_("The value of “%(name)s” is not valid.") % {"name": name})
    return values
