"""Issue 11 item 3: the manual as the user's own file — `nitet manual export --yaml` writes the
stored manual as YAML that `nitet manual load` reads back with nothing changed."""

from __future__ import annotations

import copy

import pytest
import yaml
from conftest import BUNDLED_MANUAL, Nitet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile import hostile_block, hostile_line

from nitet_cli.text import clean_text


def bundled() -> dict:
    return yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))


def write(path, data: dict):
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def roundtrip(nitet, tmp_path, name: str = "my-duties.yaml") -> tuple[dict, dict]:
    """Export --yaml, load the file back: returns the manual shown before and after."""
    before = nitet.json("manual", "show", "--retired")
    out = tmp_path / name
    nitet("manual", "export", "--yaml", "-o", out)
    loaded = nitet.json("manual", "load", out)
    assert loaded["changed"] is False, loaded
    return before, nitet.json("manual", "show", "--retired")


def test_bundled_manual_round_trips(initialised, tmp_path):
    before, after = roundtrip(initialised, tmp_path)
    assert after == before
    # The file holds what the bundled YAML holds (its comments aside), the endorser besides.
    written = yaml.safe_load((tmp_path / "my-duties.yaml").read_text(encoding="utf-8"))
    original = bundled()
    assert written["duties"] == original["duties"]
    assert written["manual"] == original["manual"]
    assert written["profile"] == {**original["profile"], "endorser_name": "", "endorser_position": ""}


def test_edited_targets_round_trip_into_a_new_database(nitet, tmp_path):
    """Edited targets, a year, an endorser and a text on several lines: the exported file loads
    back unchanged into the same database, and makes the same manual in a new one."""
    data = bundled()
    data["manual"]["year"] = 2570
    data["profile"]["endorser_name"] = "นายประเสริฐ มั่นคง"
    rows = {f"{d['number']}.{r['step']}": r for d in data["duties"] for r in d["standards"]}
    rows["7.3"]["target"] = {"kind": "school_visits", "min_per_term": 3, "school_groups": ["บ้านคู่", "ดอยหลวง"]}
    rows["8.3"].pop("target")
    rows["1.1"]["target"] = {"kind": "school_visits", "min_per_term": 1, "school_groups": []}
    rows["2.1"]["activity"] = "บรรทัดแรก\nบรรทัดที่สอง: มี 'เครื่องหมาย' # และ - ขีด"
    nitet("init", "--manual", write(tmp_path / "edited.yaml", data))
    targets = {s["id"]: s["target"] for d in nitet.json("manual", "show")["duties"] for s in d["standards"]}
    assert targets["7.3"]["min_per_term"] == 3 and targets["8.3"] is None and targets["1.1"]["school_groups"] == []

    before, after = roundtrip(nitet, tmp_path)
    assert after == before
    other = Nitet(tmp_path / "other.db")
    other("manual", "load", tmp_path / "my-duties.yaml")
    shown = other.json("manual", "show")
    assert shown["profile"].pop("uuid") != before["profile"].pop("uuid")  # another database, another owner
    assert shown == before


def test_every_target_key_round_trips(nitet, tmp_path):
    """Every key the loader keeps on a target comes back: ``counts: every_visit`` too."""
    data = bundled()
    rows = {f"{d['number']}.{r['step']}": r for d in data["duties"] for r in d["standards"]}
    rows["7.3"]["target"] = {
        "kind": "school_visits",
        "min_per_term": 2,
        "school_groups": ["บ้านคู่"],
        "counts": "every_visit",
    }
    nitet("init", "--manual", write(tmp_path / "counts.yaml", data))
    before, after = roundtrip(nitet, tmp_path)
    assert after == before
    written = yaml.safe_load((tmp_path / "my-duties.yaml").read_text(encoding="utf-8"))
    (row,) = [r for d in written["duties"] if d["number"] == 7 for r in d["standards"] if r["step"] == 3]
    assert row["target"]["counts"] == "every_visit"


def test_retired_rows_stay_retired(initialised, tmp_path):
    data = bundled()
    data["duties"][0]["standards"].pop()  # 1.5 retired
    initialised("manual", "load", write(tmp_path / "fewer.yaml", data))
    before, after = roundtrip(initialised, tmp_path)
    assert after == before
    assert (
        "1.5"
        not in (tmp_path / "my-duties.yaml").read_text(encoding="utf-8").split("standards:")[1].split("- number: 2")[0]
    )


def test_comments_say_what_a_supervisor_edits(initialised, tmp_path):
    out = tmp_path / "mine.yml"  # the suffix alone asks for YAML
    result = initialised("manual", "export", "-o", out)
    assert "nitet manual load" in result.stdout
    text = out.read_text(encoding="utf-8")
    header = text.split("\nmanual:")[0]
    assert all(line.startswith("#") or not line for line in header.splitlines())
    for words in ("ส่วนที่ศึกษานิเทศก์แก้เอง", "profile:", "duties:", "target:", "ส่วนที่ไม่ควรแก้", "nitet manual load mine.yml"):
        assert words in header, words


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["--yaml", "-o", "manual.docx"], 2, [".yaml"]),
        (["--yaml", "--pdf"], 2, ["--pdf"]),
        (["-o", "x.yaml", "--template", "manual"], 2, ["--template"]),
        (["--yaml", "-o", "no-such-folder/m.yaml"], 5, ["no-such-folder"]),
    ],
    ids=["docx-name", "pdf", "template", "missing-folder"],
)
def test_bad_yaml_export_writes_nothing(initialised, tmp_path, monkeypatch, args, code, words):
    monkeypatch.chdir(tmp_path)
    result = initialised("manual", "export", *args, ok=False)
    assert result.exit_code == code and result.stderr.startswith("ข้อผิดพลาด: ")
    for word in words:
        assert word in result.stderr
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".yaml", ".docx")]


def test_yaml_export_never_overwrites_a_database(initialised, tmp_path):
    import shutil

    disguised = tmp_path / "old.yaml"
    shutil.copyfile(initialised.db_path, disguised)
    before = disguised.read_bytes()
    result = initialised("manual", "export", "--yaml", "-o", disguised, ok=False)
    assert result.exit_code == 5 and "SQLite" in result.stderr
    assert disguised.read_bytes() == before


SMALL = {
    "manual": {"title": "คู่มือ"},
    "profile": {"name": "ก"},
    "duties": [{"number": 1, "title": "ก", "standards": [{"step": 1, "activity": "ก", "standard": "ข"}]}],
}


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(texts=st.lists(hostile_block, min_size=4, max_size=4), group=hostile_line)
def test_hostile_texts_round_trip(tmp_path_factory, texts, group):
    """Any text the loader keeps (Thai, emoji, quotes, YAML syntax, NEL/LS/PS, control characters
    it cleans away) comes back from the exported YAML as it was stored."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    nitet = Nitet(tmp_path / "nitet.db")
    data = copy.deepcopy(SMALL)
    data["profile"]["name"], data["duties"][0]["title"] = texts[0], texts[1]
    row = data["duties"][0]["standards"][0]
    row["activity"], row["standard"] = texts[2], texts[3]
    row["target"] = {"kind": "school_visits", "min_per_term": 2, "school_groups": [group]}
    nitet("manual", "load", write(tmp_path / "in.yaml", data))
    before, after = roundtrip(nitet, tmp_path)
    assert after == before
    typed = yaml.safe_load(yaml.safe_dump(group, allow_unicode=True))  # YAML 1.1 itself folds NEL, LS, PS
    assert before["duties"][0]["standards"][0]["target"]["school_groups"] == [clean_text(typed)]
