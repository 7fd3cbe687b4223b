"""The one exception type the command line turns into a single clear line."""


class CorsLabError(Exception):
    """A problem the user can act on: the message says what is wrong and how to fix it."""


def seconds(value, what: str = "--timeout", example: float = 5) -> float:
    """A timeout in seconds: a finite number above zero, or a CorsLabError naming ``what``
    (NaN would never expire and inf never end: both are refused, like 0 and below)."""
    import math

    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise CorsLabError(f"{what} {value!r} is not a usable number of seconds; give a finite "
                           f"number greater than 0, e.g. {example:g}")
    return number

