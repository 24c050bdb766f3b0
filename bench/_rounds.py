"""Helpers shared by the benchmarks: JSON lines, rounds interleaved with their reference,
load average."""

import json
import os
import statistics
import sys


def log(msg: str) -> None:
    print(f"# {msg}", file=sys.stderr, flush=True)


def emit(name, value, unit, reference=None, ratio=None, **extra) -> dict:
    line = {"name": name, "value": value, "unit": unit, "reference": reference, "ratio": ratio, **extra}
    print(json.dumps(line), flush=True)
    return line


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def ratio_summary(values: list[float], references: list[float]) -> dict:
    """Median value/reference and min/median/max of the per-round ratios (each round's value
    against the reference measured beside it)."""
    ratios = [v / r for v, r in zip(values, references, strict=True) if r]
    return {
        "value": round(statistics.median(values), 1),
        "reference": round(statistics.median(references), 1),
        "ratio": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "rounds": [round(v, 1) for v in values],
        "reference_rounds": [round(r, 1) for r in references],
    }
