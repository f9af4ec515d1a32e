"""Progress bars: drawn on a terminal, never in a log, a pipe, CI or a test's output."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import OutputWrapper

from jamsostek.core.progress import in_ci, progress
from tests.factories import CoveredMemberFactory
from tests.villages.test_loader import FAKE, fake_tree, write_source


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal, and keeps what was drawn on it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def no_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)


def _run(stream, *, verbosity: int = 1, steps: int = 3) -> None:
    with progress(total=steps, desc="Work", stream=stream, verbosity=verbosity) as bar:
        for done in range(1, steps + 1):
            bar.advance_to(done, steps)


def test_a_stream_that_is_not_a_terminal_gets_nothing(no_ci):
    # Given a stream that is not a terminal (a log file, a pipe, a test's capture)
    stream = io.StringIO()
    # When work runs with a bar on it
    _run(stream)
    # Then nothing of the bar was written
    assert stream.getvalue() == ""


def test_a_terminal_sees_the_bar_fill_up(no_ci):
    # Given a terminal, outside CI
    terminal = FakeTerminal()
    # When three steps run with a bar on it
    _run(terminal)
    # Then the bar was drawn, redrawn in place, and ends full
    drawn = terminal.getvalue()
    assert "Work" in drawn and "\r" in drawn
    assert "100%" in drawn and "3/3" in drawn


@pytest.mark.parametrize("value", ["true", "1", "yes", "woodpecker"])
def test_ci_keeps_even_a_terminal_quiet(monkeypatch, value):
    # Given CI set to a true value (CI=true on GitHub and GitLab, other values elsewhere)
    monkeypatch.setenv("CI", value)
    terminal = FakeTerminal()
    # When work runs with a bar on a terminal
    _run(terminal)
    # Then nothing was drawn
    assert in_ci()
    assert terminal.getvalue() == ""


@pytest.mark.parametrize("value", ["", "0", "false", "False", "no", "off"])
def test_ci_set_to_a_false_value_is_not_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    terminal = FakeTerminal()
    _run(terminal)
    assert not in_ci()
    assert "100%" in terminal.getvalue()


def test_verbosity_0_keeps_a_terminal_quiet(no_ci):
    # Given --verbosity 0 on a terminal
    terminal = FakeTerminal()
    # When work runs with a bar
    _run(terminal, verbosity=0)
    # Then nothing was drawn
    assert terminal.getvalue() == ""


def test_a_commands_stderr_wrapper_is_drawn_through_not_around(no_ci):
    # Given a command's stderr: Django's OutputWrapper, which ends every write with "\n"
    terminal = FakeTerminal()
    # When the bar is drawn on it
    _run(OutputWrapper(terminal))
    # Then the bar redraws one line in place: no newline but the last
    drawn = terminal.getvalue()
    assert "100%" in drawn
    assert drawn.count("\n") == 1 and drawn.endswith("\n")


def test_a_service_reporting_to_a_disabled_bar_writes_nothing(no_ci):
    # Given a bar opened with no total on a stream that is not a terminal (a log file)
    log = io.StringIO()
    with progress(desc="Work", stream=log) as bar:
        # When a service reports to it, learning its total as it goes
        bar.advance_to(5, 10)
        bar.advance_to(10, 12)
        bar.advance_to(12, 12)
    # Then the log holds none of it: no description, no count, no redraw
    assert log.getvalue() == ""


@pytest.mark.django_db
def test_load_regions_into_a_stringio_writes_no_progress(tmp_path, no_ci):
    # Given a small source and a command's output captured in StringIO (not a terminal)
    source = write_source(tmp_path / "src", **fake_tree())
    out, err = io.StringIO(), io.StringIO()
    # When the regions are loaded
    call_command(
        "load_regions", "--source", str(source), "--province", FAKE, stdout=out, stderr=err
    )
    # Then stderr is empty and stdout is the summary alone, with no bar characters
    assert err.getvalue() == ""
    assert "\r" not in out.getvalue() and "%|" not in out.getvalue()
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["level", "created", "renamed", "reactiv.", "retired", "unchanged"]
    assert lines[4].split() == ["village", "3", "0", "0", "0", "0"]
    assert lines[5].startswith("Regions loaded in ") and "(6 changes)" in lines[5]


@pytest.mark.django_db
def test_load_regions_on_a_terminal_draws_on_stderr_only(tmp_path, no_ci):
    # Given a terminal on stderr
    source = write_source(tmp_path / "src", **fake_tree())
    out, err = io.StringIO(), FakeTerminal()
    # When the regions are loaded
    call_command(
        "load_regions", "--source", str(source), "--province", FAKE, stdout=out, stderr=err
    )
    # Then the bar counted the six rows on stderr, and stdout has no trace of it
    assert "Regions" in err.getvalue() and "6/6" in err.getvalue()
    assert "\r" not in out.getvalue() and "%|" not in out.getvalue()
    assert "(6 changes)" in out.getvalue()


@pytest.mark.django_db
def test_generate_bills_into_a_stringio_writes_no_progress(admin, no_ci):
    # Given a member to bill and the command's output captured in StringIO
    CoveredMemberFactory(actor=admin)
    out, err = io.StringIO(), io.StringIO()
    # When a month is billed
    call_command("generate_bills", "--period", "2025-05", stdout=out, stderr=err)
    # Then stderr is empty and stdout is the same JSON line as before
    assert err.getvalue() == ""
    assert "\r" not in out.getvalue() and "%|" not in out.getvalue()
    assert json.loads(out.getvalue()) == {
        "period": "2025-05",
        "bills_created": 1,
        "lines_added": 1,
        "penalties_added": 0,
    }


@pytest.mark.django_db
def test_generate_bills_on_a_terminal_counts_the_lines(admin, no_ci):
    # Given a member to bill and a terminal on stderr
    CoveredMemberFactory(actor=admin)
    out, err = io.StringIO(), FakeTerminal()
    # When a month is billed
    call_command("generate_bills", "--period", "2025-05", stdout=out, stderr=err)
    # Then the bar counted the one line, and stdout is the JSON alone
    assert "Bill lines" in err.getvalue() and "1/1" in err.getvalue()
    assert json.loads(out.getvalue())["lines_added"] == 1


@pytest.mark.django_db
def test_generate_bills_in_ci_draws_nothing_even_on_a_terminal(admin, monkeypatch):
    # Given CI=true and a terminal on stderr
    monkeypatch.setenv("CI", "true")
    CoveredMemberFactory(actor=admin)
    err = FakeTerminal()
    # When a month is billed, then nothing is drawn
    call_command("generate_bills", "--period", "2025-05", stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""
