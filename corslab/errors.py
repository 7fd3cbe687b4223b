"""The one exception type the command line turns into a single clear line."""


class CorsLabError(Exception):
    """A problem the user can act on: the message says what is wrong and how to fix it."""
