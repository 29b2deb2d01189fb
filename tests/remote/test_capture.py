"""OutputCapture and Scrubber: bounded memory, whole files, secrets never kept."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.remote.capture import OutputCapture, Scrubber
from tui.remote.secret import Secret


@settings(max_examples=200, deadline=None)
@given(
    before=st.binary(max_size=40),
    after=st.binary(max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=120), max_size=6),
)
def test_a_secret_split_across_chunks_is_still_scrubbed(before, after, cuts):
    secret = Secret(b"hunter2-xyz", "pw")
    data = before + secret.reveal() + after + secret.reveal()
    points = sorted({min(c, len(data)) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]
    scrubber = Scrubber([secret])
    out = b"".join(scrubber.push(c) for c in chunks) + scrubber.flush()
    assert b"hunter2-xyz" not in out
    assert out.count(b"<pw: redacted>") >= 2


def test_no_secrets_means_bytes_pass_through_unchanged():
    scrubber = Scrubber([])
    assert scrubber.push(b"abc") == b"abc" and scrubber.flush() == b""


def test_cap_file_and_excerpt(tmp_path):
    live: list[bytes] = []
    cap = OutputCapture(cap=100, file_after=10, spill_dir=tmp_path, name="cmd1",
                        on_output=lambda s, c: live.append(c))
    for i in range(50):
        cap.feed("stdout", b"%04d\n" % i)
    cap.feed("stderr", b"short")
    got = cap.close()
    whole = b"".join(b"%04d\n" % i for i in range(50))
    assert b"".join(live) == whole + b"short"
    assert got.stdout == whole[:100] and got.stdout_size == len(whole)
    assert got.stdout_spill == got.stdout_file == str(tmp_path / "cmd1.stdout")
    assert (tmp_path / "cmd1.stdout").read_bytes() == whole
    assert got.stderr == b"short" and got.stderr_file is None and got.stderr_spill is None


def test_file_written_without_spill_when_under_the_cap(tmp_path):
    cap = OutputCapture(cap=1000, file_after=10, spill_dir=tmp_path, name="c")
    cap.feed("stdout", b"x" * 20)
    got = cap.close()
    assert got.stdout == b"x" * 20 and got.stdout_spill is None
    assert (tmp_path / "c.stdout").read_bytes() == b"x" * 20


def test_excerpt_keeps_head_and_tail():
    cap = OutputCapture()
    cap.feed("stdout", b"H" * 3000 + b"T" * 3000)
    excerpt = cap.close().stdout_excerpt
    assert excerpt.startswith("H" * 2048) and excerpt.endswith("T" * 2048)
    assert "[... 1904 bytes omitted ...]" in excerpt
