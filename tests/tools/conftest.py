"""Figures the tools tests print at the end of a run (explain's N/N, generate's matrix)."""

FIGURES: dict[str, list[int]] = {}  # name -> [right, total]


def count(name: str, right: bool) -> None:
    figure = FIGURES.setdefault(name, [0, 0])
    figure[0] += bool(right)
    figure[1] += 1


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.write_sep("=", "tools figures")
        for name, (right, total) in FIGURES.items():
            terminalreporter.write_line(f"{name}: {right}/{total}")
