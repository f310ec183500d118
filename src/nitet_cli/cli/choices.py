"""The options that take one of a fixed set of words, as ``Enum`` types: Typer shows the words in
``--help`` and shell completion offers them, and click refuses any other word before a command
runs. The refusal is one Thai sentence (``cli/usage.py`` asks the choice for it): what was typed,
and what may be typed instead.

``Kind`` and ``Mode`` (log-visit, log, list, edit) are here; a choice only one command has is
declared beside it (``report --format`` in cli/report.py, ``export --format`` and ``--what`` in
cli/exchange.py, ``follow-up close --status`` in cli/follow_ups.py). The words are those the
services store and check (``activities.KINDS`` and ``MODES``, the follow-up statuses, the export
and report formats); tests/test_cli_choices.py holds them equal. They are written out rather than
read from the services so that declaring a command loads no service module.
"""

from __future__ import annotations

from enum import Enum


def _either(words: list[str]) -> str:
    """``a, b หรือ c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} หรือ {words[-1]}"


class Choice(str, Enum):
    """A word one option accepts; subclasses list the words and say how a wrong one is refused."""

    @classmethod
    def words(cls) -> list[str]:
        return [item.value for item in cls]

    @classmethod
    def refusal(cls, typed: str, option: str) -> str:
        return f"{option} '{typed}' ไม่มี — เลือก {_either(cls.words())}"

    @classmethod
    def matching(cls, words: list[str]) -> type[Choice] | None:
        """The choice whose words these are (click keeps only the words of an option's choice)."""
        for choice in cls.__subclasses__():
            if choice.words() == list(words):
                return choice
        return None

    def __str__(self) -> str:  # the word, as typed and stored
        return self.value


class Kind(Choice):
    """What kind of work an entry is (``activities.KINDS``)."""

    visit = "visit"
    meeting = "meeting"
    training = "training"
    report = "report"
    media = "media"
    website = "website"
    research = "research"
    other = "other"

    @classmethod
    def refusal(cls, typed: str, option: str) -> str:
        return f"ประเภทกิจกรรม ({option}) '{typed}' ไม่มี — เลือก: {', '.join(cls.words())}"


class Mode(Choice):
    """How the work was done (``activities.MODES``)."""

    onsite = "onsite"
    online = "online"
    hybrid = "hybrid"

    @classmethod
    def refusal(cls, typed: str, option: str) -> str:
        return f"รูปแบบ ({option}) '{typed}' ไม่มี — เลือก: {', '.join(cls.words())}"
