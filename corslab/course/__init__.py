"""The course's side of the kit: what the notebooks call.

Every notebook starts with the same cell::

    import corslab.course as course
    course.start()

``start()`` makes sure the lab stack answers (it starts it natively when it is not running, or
uses a stack that already runs) and prints one line per service. Lesson checkers live in
``corslab.course.lessonNN`` (``NN`` is the notebook's number); their common form is
``corslab.course.grading``. Widgets live in ``corslab.widgets``.
"""

from __future__ import annotations


def start(quiet: bool = False):
    """Bring the lab stack up (or use the one that runs) and show its table."""
    from corslab import runner

    rows = runner.up()
    if not quiet:
        print(runner.format_table(rows))
    return rows
