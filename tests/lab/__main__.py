"""Developer CLI: python -m tests.lab up|down|status|config [--version 2|3]

up      build the lab and leave it running (daemons outlive this command)
down    tear it down (also cleans what a crashed run left), then list any leftovers
status  crm_mon of the running lab, plus what exists on the machine
config  print the pcmk-console config path and contents"""

from __future__ import annotations

import argparse
import json
import sys

from .lab import SPECS, Lab
from .proc import LabError
from .state import BASE, Claim, Record, cleanup, leftovers, sweep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.lab", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=("up", "down", "status", "config"))
    ap.add_argument("--version", choices=sorted(SPECS), default="2",
                    help="2: host Pacemaker 2.1.5; 3: Pacemaker 3.0.0 in a Debian 13 root")
    ap.add_argument("--all", action="store_true",
                    help="with down: remove every lab no running process is using")
    args = ap.parse_args(argv)
    spec = SPECS[args.version]
    lab = Lab(spec, log=lambda m: print(m, file=sys.stderr))
    try:
        if args.action == "up":
            lab.up()
            print(json.dumps(lab.describe(), indent=1))
            print(f"pcmk-console --config {lab.config_path}", file=sys.stderr)
        elif args.action == "down":
            say = lambda m: print(m, file=sys.stderr)  # noqa: E731
            if args.all:
                sweep(log=say)
            else:
                claim = Claim(spec.tag).take()
                cleanup(spec.tag, log=say)
                claim.release()
            left = leftovers(None if args.all else spec.tag)
            print(json.dumps(left, indent=1))
            return 1 if any(left.values()) else 0
        elif args.action == "status":
            rec = BASE / spec.tag / "state.json"
            print(json.dumps({"record": Record(rec).data if rec.exists() else None,
                              "leftovers": leftovers(spec.tag)}, indent=1))
            if rec.exists():
                lab.attach()
                print(lab.crm_mon_text())
        else:
            if not lab.config_path.exists():
                print(f"no running lab (no {lab.config_path})", file=sys.stderr)
                return 1
            print(f"# {lab.config_path}")
            print(lab.config_path.read_text(), end="")
    except LabError as exc:
        print(f"lab: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
