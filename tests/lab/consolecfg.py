"""The pcmk-console config file (YAML) that points the console at a running lab."""

from __future__ import annotations

from pathlib import Path

import yaml


def console_config(cluster_name: str, nodes: list[dict], identity_file: Path,
                   known_hosts: Path) -> str:
    """nodes: [{name, host, port, kind}] as the console's config schema spells them."""
    doc = {
        "refresh_interval": 2,
        "clusters": [{
            "name": cluster_name,
            "ssh": {"user": "root", "identity_file": str(identity_file),
                    "known_hosts": str(known_hosts), "connect_timeout": 10},
            "nodes": [{k: v for k, v in n.items() if not (k == "kind" and v == "cluster")}
                      for n in nodes],
        }],
    }
    return "# Written by tests/lab for a running lab; removed when the lab goes down.\n" + \
        yaml.safe_dump(doc, sort_keys=False)
