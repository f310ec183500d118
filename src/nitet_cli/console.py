"""The ``nitet`` console script (and ``python -m nitet_cli``).

Python's cyclic garbage collector runs after every few hundred new objects. While typer, click
and nitet's modules load, it makes dozens of passes over objects that live until the process ends
(counted with callgrind: about 13 M instructions of a recording command's 300 M, some 8 ms). So
the script pauses it before anything is imported. The recording commands (``log``,
``log-visit``), short and making few objects, run to the end without it; every other command
turns it back on as soon as its module is loaded, with everything loaded so far frozen out of its
passes (``cli.RootGroup.get_command``). Reference counting frees memory as usual throughout: only
cycles wait, and a recording makes none that matter.
"""

import gc


def main() -> None:
    gc.disable()
    from nitet_cli.cli import main as run

    run()
