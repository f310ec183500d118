"""The options that take one of a fixed set of words, as ``Enum`` types: Typer shows the words in
``--help`` and shell completion offers them, and click refuses any other word before a command
runs. The refusal is one Thai sentence (``cli/usage.py`` asks the choice for it): what was typed,
and what may be typed instead.

The words are those the services store and check (``activities.KINDS`` and ``MODES``,
``follow_ups`` statuses, the export and report formats); tests/test_cli_choices.py holds them
equal. They are written out here rather than read from the services so that declaring a command
loads no service module.
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


class FollowUpResult(Choice):
    """How far a school carried out a suggestion (``follow_ups.parse_status``)."""

    done = "done"
    partly = "partly"
    not_done = "not-done"

    @classmethod
    def refusal(cls, typed: str, option: str) -> str:
        return f"สถานะ '{typed}' ไม่มี — เลือก done (ดำเนินการแล้ว), partly (บางส่วน) หรือ not-done (ยังไม่ได้ดำเนินการ)"


class ReportFormat(Choice):
    """What ``nitet report`` writes."""

    docx = "docx"
    json = "json"


class ExportFormat(Choice):
    """What ``nitet export`` writes."""

    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class ExportWhat(Choice):
    """What a CSV of ``nitet export`` holds."""

    activities = "activities"
    schools = "schools"
