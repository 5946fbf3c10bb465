"""Print how long each notebook takes under nbval, so growth is visible in the test output."""

from collections import defaultdict

_TIMES: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if report.when == "call" and path.endswith(".ipynb"):
        _TIMES[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _TIMES:
        return
    terminalreporter.section("notebook times (nbval)")
    for name, seconds in sorted(_TIMES.items()):
        terminalreporter.write_line(f"{seconds:7.1f} s  {name}")
    terminalreporter.write_line(f"{sum(_TIMES.values()):7.1f} s  total")
