"""Run every benchmark in bench/ (files named bench_*.py) and collect their JSON lines.

Each benchmark prints one JSON object per line: name, value, unit, reference, ratio.
All lines are written to bench/results/latest.json.
"""

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    results = []
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print(json.dumps({"name": "harness", "value": 0, "unit": "benchmarks", "reference": None, "ratio": None}))
    for script in scripts:
        print(f"# {script.name}", file=sys.stderr)
        proc = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, capture_output=True, text=True)
        sys.stderr.write(proc.stderr[-4000:])
        for line in proc.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                print(line)
                results.append(json.loads(line))
        if proc.returncode != 0:
            results.append({"name": script.stem, "error": f"exit {proc.returncode}"})
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"# wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
