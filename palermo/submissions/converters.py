class ReferenceConverter:
    """A submission reference such as S-2026-0042 (any case): anything else is a 404 before
    it reaches the database."""

    regex = r"[Ss]-[0-9]{4}-[0-9]{4,7}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value
