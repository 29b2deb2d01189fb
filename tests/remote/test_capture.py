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


# -- sensitive parameters: redacted in what is recorded, exact for the caller ------------------

CIB_LINES = (
    b'<cib><configuration><resources>\n'
    b'  <primitive id="fence1" class="stonith" type="fence_ipmilan">\n'
    b'    <instance_attributes id="fence1-ia">\n'
    b'      <nvpair id="fence1-pw" name="passwd" value="PW-hunter2-PW"/>\n'
    b'      <nvpair id="fence1-ip" name="ip" value="192.0.2.9"/>\n'
    b'    </instance_attributes>\n'
    b'  </primitive>\n'
    b'</resources></configuration></cib>\n'
)


@settings(max_examples=100, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=len(CIB_LINES) * 3), max_size=8),
       repeat=st.integers(min_value=1, max_value=3))
def test_sensitive_values_are_redacted_in_excerpt_and_file_however_chunks_fall(tmp_path_factory, cuts, repeat):
    data = CIB_LINES * repeat
    points = sorted({min(c, len(data)) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]
    spill = tmp_path_factory.mktemp("spill")
    live: list[bytes] = []
    cap = OutputCapture(cap=1 << 20, file_after=100, spill_dir=spill, name="c",
                        on_output=lambda s, c: live.append(c))
    for chunk in chunks:
        cap.feed("stdout", chunk)
    got = cap.close()
    assert got.stdout == data and b"".join(live) == data  # the caller gets the exact bytes
    stored = (spill / "c.stdout").read_bytes()
    for recorded in (stored, got.stdout_excerpt.encode()):
        assert b"hunter2" not in recorded
        assert b'name="passwd" value="REDACTED"' in recorded
        assert b'name="ip" value="192.0.2.9"' in recorded  # the rest is untouched
    assert stored == data.replace(b"PW-hunter2-PW", b"REDACTED")


def test_recorded_copy_keeps_every_other_byte_exactly(tmp_path):
    data = bytes(range(256)) * 40 + b"\xff\xfe not utf-8 = still kept\n"
    cap = OutputCapture(cap=100, file_after=10, spill_dir=tmp_path, name="b")
    for i in range(0, len(data), 777):
        cap.feed("stdout", data[i:i + 777])
    cap.close()
    assert (tmp_path / "b.stdout").read_bytes() == data


def test_a_capture_that_keeps_no_record_writes_no_file_and_says_what_it_cut(tmp_path):
    cap = OutputCapture(cap=1000, spill_dir=tmp_path, name="r", record=False)
    for _ in range(10):
        cap.feed("stdout", CIB_LINES * 10)
    got = cap.close()
    assert got.stdout == (CIB_LINES * 100)[:1000] and got.stdout_size == len(CIB_LINES) * 100
    assert got.truncated == ("stdout",) and got.stdout_file is None and got.stdout_spill is None
    assert list(tmp_path.iterdir()) == []
    assert got.stdout_excerpt == ""
