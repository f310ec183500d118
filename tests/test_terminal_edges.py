"""Issue 13, the terminal's leftovers: ``-h`` everywhere, Thai help for the options Typer and
click add themselves, a stdout that cannot encode Thai, C1 and bidi controls in ``--json`` and on
the terminal, help at 40 columns, and ``-o -`` as stdout.
"""

from __future__ import annotations

import pytest

# --- -h as well as --help ------------------------------------------------------------------------

HELP_PAGES = [
    [],
    ["log-visit"],
    ["log"],
    ["list"],
    ["school"],
    ["school", "add"],
    ["follow-up", "close"],
    ["manual", "export"],
]


@pytest.mark.parametrize("args", HELP_PAGES, ids=lambda a: " ".join(a) or "nitet")
def test_dash_h_is_help_for_nitet_and_every_command(nitet, args):
    long = nitet(*args, "--help")
    short = nitet(*args, "-h")
    assert short.exit_code == 0 and short.stderr == ""
    assert short.stdout == long.stdout and "Usage: nitet" in short.stdout
    assert "-h, --help" in short.stdout
