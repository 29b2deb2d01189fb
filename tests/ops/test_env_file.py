"""edit_env_file: set/unset variables, every other byte kept; the diff the review shows."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, strategies as st

from tui.ops.files import diff, edit_env_file, read_env


def test_replaces_a_value_in_place_and_keeps_the_rest():
    text = "# comment\nA=1\n\nB=2 # trailing\n"
    assert edit_env_file(text, {"A": "9"}) == "# comment\nA=9\n\nB=2 # trailing\n"


def test_unchanged_settings_give_the_same_bytes():
    text = "# c\r\nexport A='x y'\r\nB=2"
    assert edit_env_file(text, {"A": "x y", "B": "2"}) == text
    assert edit_env_file(text, {}, ()) == text


def test_a_commented_out_default_gets_the_new_line_right_after_it():
    text = "# PCMK_remote_port=3121\n# PCMK_logfile=/var/log/x\nOTHER=1\n"
    assert edit_env_file(text, {"PCMK_remote_port": "3122"}) == (
        "# PCMK_remote_port=3121\nPCMK_remote_port=3122\n# PCMK_logfile=/var/log/x\nOTHER=1\n")


def test_a_commented_out_export_line_counts_too():
    assert edit_env_file("#export A=1\n", {"A": "2"}) == "#export A=1\nA=2\n"


def test_export_prefix_and_indentation_are_kept():
    assert edit_env_file("  export A=1\n", {"A": "2"}) == "  export A=2\n"


def test_the_last_assignment_is_the_one_changed():
    assert edit_env_file("A=1\nA=2\n", {"A": "3"}) == "A=1\nA=3\n"


def test_values_with_spaces_and_quotes_are_shell_quoted_and_read_back():
    for value in ("two words", "it's", "$HOME", "a\tb", "", "back\\slash", '"dq"'):
        text = edit_env_file("", {"V": value})
        assert read_env(text) == {"V": value}
        assert shlex.split(text.split("=", 1)[1]) == [value] or value == ""


def test_a_line_break_in_a_value_is_refused():
    with pytest.raises(ValueError):
        edit_env_file("", {"A": "x\ny"})


def test_bad_names_and_set_with_unset_are_refused():
    with pytest.raises(ValueError):
        edit_env_file("", {"1A": "x"})
    with pytest.raises(ValueError):
        edit_env_file("", {"A": "x"}, {"A"})


def test_no_trailing_newline_is_handled():
    assert edit_env_file("A=1", {"B": "2"}) == "A=1\nB=2\n"
    assert edit_env_file("A=1", {"A": "2"}) == "A=2"  # the last line keeps having no newline
    assert edit_env_file("# B=0", {"B": "2"}) == "# B=0\nB=2"


def test_crlf_files_stay_crlf():
    text = "# x\r\nA=1\r\n"
    assert edit_env_file(text, {"A": "2", "B": "3"}) == "# x\r\nA=2\r\nB=3\r\n"


def test_unset_removes_every_assignment_and_keeps_comments():
    text = "# A=default\nA=1\nB=2\nexport A=3\n"
    assert edit_env_file(text, {}, {"A"}) == "# A=default\nB=2\n"
    assert edit_env_file("B=1\n", {}, {"A"}) == "B=1\n"  # not there: nothing to do


def test_an_empty_file_gets_the_variables():
    assert edit_env_file("", {"A": "1", "B": "2"}) == "A=1\nB=2\n"


def test_diff_shows_only_the_changed_lines():
    before = "# c\nA=1\nB=2\n"
    text = diff(before, edit_env_file(before, {"A": "5"}), "/etc/sysconfig/pacemaker")
    assert "-A=1" in text and "+A=5" in text and "/etc/sysconfig/pacemaker" in text
    assert "+B" not in text and "-B" not in text


lines = st.lists(st.sampled_from(["# comment", "", "A=1", "export B='x y'", "# C=3", "  D=4", "junk line",
                                  "E=\"q\"", "#", "F="]), max_size=12)


@given(lines, st.sampled_from(["\n", "\r\n"]), st.booleans(),
       st.dictionaries(st.sampled_from(list("ABCDEFG")), st.text("abc xyz'$", max_size=6), max_size=3))
def test_property_only_the_named_variables_change(body, newline, trailing, wanted):
    text = newline.join(body) + (newline if trailing and body else "")
    after = edit_env_file(text, wanted)
    values = read_env(after)
    for name, value in wanted.items():
        assert values[name] == value
    for name, value in read_env(text).items():
        if name not in wanted:
            assert values[name] == value
    # every line that is not an assignment of a changed name is still there, in order
    kept = [line for line in text.splitlines() if not any(line.lstrip().removeprefix("export ").startswith(f"{n}=")
                                                          for n in wanted)]
    remaining = iter(after.splitlines())
    assert all(any(line == other for other in remaining) for line in kept)
    assert edit_env_file(after, wanted) == after  # idempotent
