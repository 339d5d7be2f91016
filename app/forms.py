"""Form fields on pages: numbers typed as text, and the form key that makes a double tap create one thing."""


def form_int(value: str | None, *, blank: int | None = None) -> int:
    """Form text to an integer; blank gives `blank`, anything else unreadable -1, so the service refuses it in its
    own words ("积分应为 1 到 100000 之间的整数")."""
    value = (value or "").strip()
    if not value and blank is not None:
        return blank
    try:
        return int(value)
    except ValueError:
        return -1
