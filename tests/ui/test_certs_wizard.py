"""The certificate wizards on screen: key K, :certs-convert / :certs-renew, the palette, the
pages (inputs with the CA source deciding which fields show, checks, review with the restart
order and the env diffs, run, result with the disconnect windows), the Roll back offer after
a failed verification, and the demo end to end.

The page tests use a stand-in for tui.ops.certs.wizard (FakeCerts, contract-11's API) so the
screens' behaviour is tested with checks and plans the test controls; the demo test walks the
real wizard against the simulated 3.0.0 cluster.
"""

from __future__ import annotations

import asyncio
import dataclasses
from types import SimpleNamespace

import pytest

from tests.ui.helpers import first_refresh, make_app, until
from tests.ui.plan_session import ScriptedSession
from tests.ui.wizard_fakes import CheckOutcome, Facts
from tui.ops.certs.inputs import CertsConvert, CertsRenew, CertsRollback
from tui.ops.plan import CheckStep, Described, EnvFileStep, LocalStep, Plan, RunStep, Verdict, WaitStep
from tui.ui.screens import certs_flow
from tui.ui.screens.typed_name import TypeClusterName
from tui.ui.screens.wizard import WizardScreen, open_wizard
from tui.ui.widgets.wizard_checks import CheckTable
from tui.ui.widgets.wizard_inputs import WizardInputs

RUN_ID = "20261201T120000000000Z-0badc0de"
ENV_BEFORE = "# Pacemaker's environment\nPCMK_logfile=/var/log/pacemaker/pacemaker.log\n"
TLS = {"PCMK_ca_file": "/etc/pacemaker/tls/ca.crt", "PCMK_cert_file": "/etc/pacemaker/tls/node.crt",
       "PCMK_key_file": "/etc/pacemaker/tls/node.key"}


@dataclasses.dataclass(frozen=True)
class Context:
    state_dir: object
    cluster: str
    journal: object = None
    now: object = None


class FakeCerts:
    """checks: step id -> Verdict (default ok); fail_at: the step id whose command fails (its
    argv is ("sh", "-c", "exit 1")); env: the plan edits env files (EnvFileStep, for the review)."""

    CHECKS = (("versions", "Pacemaker 3.0.0 or later on every node"), ("openssl", "openssl on every node"),
              ("env-files", "the environment files"))
    NODES = (("remote1", "remote"), ("guest1", "guest"), ("node1", "cluster"), ("node2", "cluster"))

    def __init__(self, *, checks=None, fail_at=None, env=False) -> None:
        self.checks = dict(checks or {})
        self.fail_at = fail_at
        self.env = env
        self.inputs: list = []
        self.contexts: list = []

    def preflight(self, inp, facts, context):
        self.inputs.append(inp)
        self.contexts.append(context)
        return Plan("certs-convert checks", tuple(
            CheckStep(title, probe=lambda ctx, k=key: self.checks.get(k, Verdict("ok", "fine")), id=key)
            for key, title in self.CHECKS))

    async def run_checks(self, plan, pool, *, default_host, listeners=()):
        out = []
        for step in plan.steps:
            await asyncio.sleep(0)
            verdict = step.probe({})
            out.append(CheckOutcome(step.id, step.title, step.host or default_host, verdict.level,
                                    verdict.observed, verdict.fix))
        return tuple(out)

    def _cmd(self, step_id, argv=("true",)):
        return ("sh", "-c", "exit 1") if step_id == self.fail_at else argv

    def plan(self, inp, facts, context, outcomes=()):
        if isinstance(inp, CertsRollback):
            return Plan(f"Roll back certs-convert {inp.run_id}", (
                RunStep("restore /etc/sysconfig/pacemaker on node1", ("true",), id="restore-node1", host="node1"),
                RunStep("restart pacemaker_remote on remote1", ("true",), id="restart-remote1", host="remote1"),
            ), recipe=("certs_rollback", {"run_id": inp.run_id}))
        steps = [LocalStep("load or create the CA", lambda ctx: "ca", id="ca", output="ca")]
        for name, _ in self.NODES:
            if self.env:
                steps.append(EnvFileStep(f"set PCMK_*_file on {name}", "/etc/sysconfig/pacemaker", set=TLS,
                                         before=ENV_BEFORE, host=name, id=f"env-{name}"))
            else:
                steps.append(RunStep(f"set PCMK_*_file on {name}", self._cmd(f"env-{name}"), host=name,
                                     id=f"env-{name}"))
        steps.append(LocalStep("start the disconnect watch", lambda ctx: None, id="watch-start"))
        for name, kind in self.NODES:
            service = "pacemaker" if kind == "cluster" else "pacemaker_remote"
            steps.append(RunStep(f"restart {service} on {name}", self._cmd(f"restart-{name}"), host=name,
                                 id=f"restart-{name}"))
            if kind == "cluster":
                steps.append(WaitStep(f"{name} rejoins", self._cmd(f"rejoin-{name}"), attempts=1, interval=0.01,
                                      id=f"rejoin-{name}"))
        steps.append(WaitStep("every remote and guest node online", self._cmd("wait-online"), attempts=1,
                              interval=0.01, id="wait-online"))
        windows = {"remote1": 7.8, "guest1": 6.1}
        steps.append(LocalStep("stop the disconnect watch",
                               lambda ctx: Described(windows, "remote1 offline 7.8 s, guest1 offline 6.1 s"),
                               id="watch-stop", output="disconnect_windows"))
        return Plan("Convert Pacemaker Remote to X.509 certificates", tuple(steps),
                    recipe=("certs_convert", {"ca": inp.ca}))

    def modules(self):
        wizards = {
            kind: SimpleNamespace(kind=kind, title=title, input_type=input_type, preflight=self.preflight,
                                  plan=self.plan)
            for kind, title, input_type in (
                ("certs-convert", "Convert to X.509 certificates", CertsConvert),
                ("certs-renew", "Renew certificates", CertsRenew),
                ("certs-rollback", "Roll back a certificate conversion", CertsRollback))
        }
        facts = SimpleNamespace(facts_from_snapshot=lambda snapshot: Facts(remote_nodes=("remote1", "remote2"),
                                                                           guest_nodes=("guest1",)))
        return facts, SimpleNamespace(run_checks=self.run_checks), SimpleNamespace(WIZARDS=wizards,
                                                                                     CertsContext=Context)


@pytest.fixture
def fake(monkeypatch) -> FakeCerts:
    api = FakeCerts()
    monkeypatch.setattr(certs_flow, "_certs_api", api.modules)
    return api


def session(**kw) -> ScriptedSession:
    return ScriptedSession(run_id=RUN_ID, failing={"sh"}, **kw)  # FakeCerts' failing step runs sh


async def open_certs(pilot, kind="certs-convert", **prefill) -> WizardScreen:
    app = pilot.app
    await first_refresh(app, pilot)
    open_wizard(app, kind, **prefill)
    await until(pilot, lambda: isinstance(app.screen, WizardScreen))
    await pilot.pause()
    return app.screen


async def to_review(pilot, **prefill) -> WizardScreen:
    screen = await open_certs(pilot, **prefill)
    await pilot.press("ctrl+n")
    await until(pilot, lambda: screen.stage == "preflight" and screen.query_one(CheckTable).finished)
    await pilot.press("ctrl+n")
    await until(pilot, lambda: screen.stage == "review")
    return screen


async def to_result(pilot, **prefill) -> WizardScreen:
    screen = await to_review(pilot, **prefill)
    await pilot.press("y")
    await until(pilot, lambda: screen.stage == "result", timeout=10)
    await pilot.pause()
    return screen


def shown_rows(screen) -> list[str]:
    form = screen.query_one(WizardInputs)
    return [name for name, row in form.rows.items() if row.display]


def text_of(screen, selector) -> str:
    return str(screen.query_one(selector).render())


# --- opening -------------------------------------------------------------------------------------

async def test_key_K_opens_the_convert_wizard(fake):
    app = make_app(session())
    async with app.run_test(size=(120, 36)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, WizardScreen))
        assert app.screen.flow.kind == "certs-convert"


@pytest.mark.parametrize("command,kind", [("certs-convert", "certs-convert"), ("x509", "certs-convert"),
                                          ("certs-renew", "certs-renew"), ("renew", "certs-renew")])
async def test_commands_open_the_wizards(fake, command, kind):
    app = make_app(session())
    async with app.run_test(size=(120, 36)) as pilot:
        await first_refresh(app, pilot)
        await pilot.press(":", *command, "enter")
        await until(pilot, lambda: isinstance(app.screen, WizardScreen))
        assert app.screen.flow.kind == kind


async def test_palette_offers_them(fake):
    app = make_app(session())
    async with app.run_test(size=(120, 36)) as pilot:
        await first_refresh(app, pilot)
        titles = [e.title for e in app.screen.console_commands()]
        assert "Convert to X.509 certificates…" in titles and "Renew certificates…" in titles


async def test_read_only_refuses(fake):
    app = make_app(session(read_only=True))
    async with app.run_test(size=(120, 36)) as pilot:
        await first_refresh(app, pilot)
        open_wizard(app, "certs-convert")
        await pilot.pause()
        assert not isinstance(app.screen, WizardScreen)
        await pilot.press("K")
        await pilot.pause()
        assert not isinstance(app.screen, WizardScreen)


async def test_missing_wizard_module_says_so(monkeypatch):
    def missing():
        raise certs_flow.WizardUnavailable("the certificate wizards are not installed in this build (x)")
    monkeypatch.setattr(certs_flow, "_certs_api", missing)
    app = make_app(session())
    async with app.run_test(size=(120, 36)) as pilot:
        await first_refresh(app, pilot)
        open_wizard(app, "certs-convert")
        await pilot.pause()
        assert not isinstance(app.screen, WizardScreen) and not app.worker_errors


# --- inputs --------------------------------------------------------------------------------------

async def test_ca_source_decides_the_fields(fake):
    app = make_app(session())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot)
        assert shown_rows(screen) == ["ca", "ca_dir", "days", "remove_authkey"]
        screen.query_one("#ca-given").value = True
        await pilot.pause()
        assert shown_rows(screen) == ["ca", "ca_cert", "ca_key", "days", "remove_authkey"]
        screen.query_one("#ca-files").value = True
        await pilot.pause()
        assert shown_rows(screen) == ["ca", "ca_file", "cert_file", "key_file", "crl_file", "remove_authkey"]
        form = screen.query_one(WizardInputs)
        assert form.values() == {"ca": "files", "ca_file": "", "cert_file": "", "key_file": "", "crl_file": "",
                                 "remove_authkey": False}


async def test_remove_authkey_is_off_by_default_and_force_is_not_offered(fake):
    app = make_app(session())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot)
        form = screen.query_one(WizardInputs)
        assert form.values()["remove_authkey"] is False
        assert "force" not in form.rows
        assert "final" in str(form.rows["remove_authkey"].query(".field-hint").first().render())


async def test_input_errors_name_the_field(fake):
    app = make_app(session())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot, ca="files", ca_file="relative/ca.crt", cert_file="/c/{node}.crt",
                                  key_file="/c/{node}.key")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.stage == "inputs"
        errors = screen.query_one(WizardInputs).errors_shown()
        assert "ca_file" in errors and errors["ca_file"].startswith("CA file on the nodes: must be an absolute path")
        assert fake.inputs == []  # no check ran


async def test_days_must_be_a_number(fake):
    app = make_app(session())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot, days="two years")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.query_one(WizardInputs).errors_shown()["days"] == \
            "Validity (days): must be a whole number of days"


async def test_the_inputs_reach_the_wizard(fake):
    app = make_app(session())
    async with app.run_test(size=(120, 40)) as pilot:
        await to_review(pilot, ca="given", ca_cert="/root/ca.crt", ca_key="/root/ca.key", days="365")
        assert fake.inputs[-1] == CertsConvert(ca="given", ca_cert="/root/ca.crt", ca_key="/root/ca.key", days=365)
        context = fake.contexts[-1]
        assert context.cluster == "alpha" and context.state_dir is not None


# --- checks, review, run ------------------------------------------------------------------------

async def test_a_failed_check_stops_before_the_review(fake):
    fake.checks["versions"] = Verdict("fail", "remote1 runs Pacemaker 2.1.5", "upgrade remote1 to 3.0.0")
    app = make_app(session())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_certs(pilot)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.query_one(CheckTable).finished)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.stage == "preflight"


async def test_review_says_the_order_and_the_disconnect(fake):
    fake.env = True
    app = make_app(session())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await to_review(pilot, remove_authkey=True)
        head = text_of(screen, "#review-head")
        assert "restart order: remote1, guest1, node1, node2" in head
        assert "every remote and guest node is briefly disconnected" in head
        assert "final" in head
        plan = text_of(screen, "#review-plan")
        assert "+PCMK_cert_file=/etc/pacemaker/tls/node.crt" in plan  # the env file's diff


async def test_run_shows_the_disconnect_windows(fake):
    app = make_app(session())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await to_result(pilot)
        assert screen.result.ok
        summary = text_of(screen, "#result-summary")
        assert "disconnected: remote1 offline 7.8 s, guest1 offline 6.1 s" in summary
        assert "done (14 step(s))" in summary and "done: 1." not in summary  # not every step again
        assert not screen.check_action("rollback", ())
        assert not screen.check_action("undo", ())  # env files back without a restart: never offered


async def test_failed_verification_offers_roll_back(fake):
    fake.fail_at = "wait-online"
    app = make_app(session())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await to_result(pilot)
        assert not screen.result.ok
        summary = text_of(screen, "#result-summary")
        assert f"o rolls back (certs-rollback {RUN_ID}" in summary
        assert screen.check_action("rollback", ())
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, WizardScreen) and app.screen.flow.kind == "certs-rollback")
        rollback = app.screen
        await until(pilot, lambda: rollback.stage == "preflight" and rollback.query_one(CheckTable).finished)
        assert fake.inputs[-1] == CertsRollback(run_id=RUN_ID)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: rollback.stage == "review")
        await pilot.press("y")
        await until(pilot, lambda: rollback.stage == "result", timeout=10)
        assert rollback.result.ok


async def test_a_failure_before_any_restart_offers_no_roll_back(fake):
    fake.fail_at = "env-remote1"
    app = make_app(session())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await to_result(pilot)
        assert not screen.result.ok
        assert not screen.check_action("rollback", ())


async def test_escape_before_the_run_changes_nothing(fake):
    s = session()
    app = make_app(s)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await to_review(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, WizardScreen))
        assert s.applied == []


# --- the demo, end to end ------------------------------------------------------------------------

def demo_app(tmp_path, *, clock=None):
    """The demo (no life), the auth view read as the console does (run_app's collector)."""
    import time

    from tests.ui.sample import FakeConfig
    from tui.config import Config
    from tui.remote.actionlog import ActionLog
    from tui.session import build_session
    from tui.ui.app import PcmkConsoleApp, default_auth_collector

    clock = clock or time.time
    session = build_session(Config(), demo=True, demo_life=False, clock=clock,
                            log=ActionLog(tmp_path / "actions.jsonl"))
    return PcmkConsoleApp(session, FakeConfig(), clock=clock, cursor_blink=False,
                          auth_collector=default_auth_collector)


async def test_demo_convert_end_to_end(tmp_path, monkeypatch):
    try:
        from tui.ops.certs import wizard  # noqa: F401
    except ImportError:
        pytest.skip("tui.ops.certs.wizard (part A) is not in this build yet")
    app = demo_app(tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await first_refresh(app, pilot)
        await until(pilot, lambda: app.auth_reads >= 1, timeout=30)
        screen = app.screen
        remote_like = [n.name for n in app.snapshot.nodes if str(n.kind) in ("remote", "guest") and not n.bundle]
        assert remote_like
        await pilot.press("K")
        await until(pilot, lambda: isinstance(app.screen, WizardScreen))
        wizard_screen = app.screen
        await pilot.press("ctrl+n")
        await until(pilot, lambda: wizard_screen.stage == "preflight" and wizard_screen.query_one(CheckTable).finished,
                    timeout=60)
        assert wizard_screen.query_one(CheckTable).passed, wizard_screen.query_one(CheckTable).failed_titles()
        await pilot.press("ctrl+n")
        await until(pilot, lambda: wizard_screen.stage == "review", timeout=30)
        await pilot.press("y")  # the demo is PRODUCTION and a conversion cluster-wide: the name first
        await until(pilot, lambda: isinstance(app.screen, TypeClusterName))
        await pilot.press(*"demo-prod", "enter")
        await until(pilot, lambda: wizard_screen.stage == "result", timeout=240)
        assert wizard_screen.result.ok, wizard_screen.outcome_line
        assert "disconnected:" in text_of(wizard_screen, "#result-summary")
        reads = app.auth_reads
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: app.auth_reads > reads, timeout=60)
        await until(pilot, lambda: all(n.online for n in app.snapshot.nodes if n.name in remote_like), timeout=60)
        await until(pilot, lambda: all(screen.auth_view().cell(n)[0].startswith("X.509") for n in remote_like),
                    timeout=60)


# --- the flow's words ----------------------------------------------------------------------------

def test_windows_words():
    assert certs_flow.windows_words({"rn1": 7.84, "gn1": 0}) == "rn1 offline 7.8 s, gn1 offline 0.0 s"
    assert certs_flow.windows_words({"rn1": "x"}) == "rn1 offline ? s"
    assert certs_flow.windows_words({}) == "no remote or guest node"


def test_renew_with_nothing_to_renew_says_so():
    flow = certs_flow.CertsFlow("certs-renew", None, Facts(), None, default_host="node1")
    plan = Plan("Renew certificates", (CheckStep("nothing expires within 30 days", ("true",), id="nothing"),))
    assert flow.review_lines(CertsRenew(), plan) == [
        ("nothing to renew: no certificate expires within the days asked", "bold")]


def test_forced_input_is_said_in_capitals():
    flow = certs_flow.CertsFlow("certs-convert", None, Facts(), None, default_host="node1")
    lines = flow.review_lines(CertsConvert(force=True), Plan("x", (RunStep("r", ("true",), id="restart-rn1"),)))
    assert lines[0][0].startswith("FORCED")


def test_force_is_never_taken_from_the_form(fake):
    wizard = fake.modules()[2].WIZARDS["certs-convert"]
    flow = certs_flow.CertsFlow("certs-convert", wizard, Facts(), None, default_host="node1")
    inp, errors = flow.build({"ca": "create", "force": True, "days": "30"})
    assert errors == {} and inp == CertsConvert(days=30)
