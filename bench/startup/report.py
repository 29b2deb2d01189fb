"""Markdown tables from a bench/startup/bench.py JSON file (for RESULTS.md).

    .venv/bin/python bench/startup/report.py bench/startup/results.json
"""

from __future__ import annotations

import json
import sys


def main(path: str) -> None:
    data = json.load(open(path))
    m = data["machine"]
    print(f"Run {data['when_utc']} UTC; {m['cores']} cores, {m['cpu']}, kernel {m['kernel']}, Python {m['python']}, "
          f"Textual {m['textual']}; load average at start {' / '.join(f'{x:.2f}' for x in data['load_start'])}, "
          f"at end {' / '.join(f'{x:.2f}' for x in data['load_end'])}; {data['terminal']}; "
          f"bytecode cached: {data.get('bytecode_cached', True)}.\n")
    names = list(data["contenders"])
    runs = len(data["contenders"][names[0]]["runs"])
    print("| run | " + " | ".join(f"{n}: status frame ms (CPU ms)" for n in names) + " | load (1 min) |")
    print("|---|" + "---|" * len(names) + "---|")
    for i in range(runs):
        cells = []
        for n in names:
            r = data["contenders"][n]["runs"][i]
            cells.append(f"{r['status_frame_ms']} ({r['cpu_ms_at_status']})")
        load = data["contenders"][names[-1]]["runs"][i].get("load1", 0)
        print(f"| {i + 1} | " + " | ".join(cells) + f" | {load:.2f} |")
    print()
    print("| contender | median ms | max ms | runs over 1 s | CPU median ms |")
    print("|---|---|---|---|---|")
    for n in names:
        s = data["contenders"][n]["summary"]
        print(f"| {n} | {s['status_frame_ms_median']} | {s['status_frame_ms_max']} | {s['over_1000ms']} of {s['runs']} "
              f"| {s['cpu_ms_at_status_median']} |")
    for n in names:
        imp = data["contenders"][n].get("importtime")
        if not imp:
            continue
        print(f"\nimporttime, {n}: {imp['modules']} modules before the status frame, {imp['total_ms']} ms "
              "(sum of self times, -X importtime's own overhead included)\n")
        print("| module | cumulative ms | self ms |")
        print("|---|---|---|")
        for row in imp["top"]:
            print(f"| {'  ' * row['depth']}{row['module']} | {row['cumulative_ms']} | {row['self_ms']} |")


if __name__ == "__main__":
    main(sys.argv[1])
