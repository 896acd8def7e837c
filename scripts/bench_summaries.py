"""Benchmark: what rendering a case summary PDF costs.

Not a test: it prints its figures. Run it from the project root with

    .venv/bin/python scripts/bench_summaries.py [--runs 5]

Two cases, built as plain ``SummaryData`` (no database, no Django setup; the
renderer needs neither):

- typical: 1 report, 5 events, 1 screenshot PNG of about 200 KB;
- large: 500 events and 20 screenshots (10 PNG of ~200 KB, 10 JPEG of ~400 KB).

For each it prints the median and fastest wall time of ``summary_render`` over
``--runs`` runs (the first render of the process also registers the fonts, so
one untimed warm-up render comes first), the page count and the PDF's size,
and the time ``summary_fingerprint`` takes on the same data.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader

from summaries.data import SummaryData
from summaries.fingerprint import summary_fingerprint
from summaries.render import summary_render
from tests.summaries import evidence_file, make_summary, screenshot_jpeg, screenshot_png


def typical_case() -> SummaryData:
    return make_summary(
        events_count=5, files=(evidence_file("screenshot-1.png", screenshot_png()),)
    )


def large_case() -> SummaryData:
    files = tuple(
        evidence_file(f"screenshot-{i:02}.png", screenshot_png(seed=i))
        if i % 2 == 0
        else evidence_file(f"photo-{i:02}.jpg", screenshot_jpeg(seed=i), content_type="image/jpeg")
        for i in range(20)
    )
    return make_summary(events_count=500, files=files)


def _timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and fastest of ``runs`` wall-clock timings, in seconds."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), min(timings)


def bench(name: str, data: SummaryData, runs: int) -> None:
    pdf = summary_render(data)  # warm-up: fonts registered, caches filled
    median, fastest = _timed(lambda: summary_render(data), runs)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    evidence = sum(f.size for f in data.files)
    fp_median, _ = _timed(lambda: summary_fingerprint(data), max(runs, 20))
    print(
        f"{name:8}  render median {median * 1000:7.0f} ms (fastest {fastest * 1000:.0f} ms, {runs} runs)  "
        f"{pages:3} pages  {len(pdf) / 1024:7.0f} KB PDF  "
        f"({len(data.timeline)} events, {len(data.files)} files, {evidence / 1024:.0f} KB of evidence)  "
        f"fingerprint {fp_median * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed renders per case (default 5)")
    args = parser.parse_args()
    bench("typical", typical_case(), args.runs)
    bench("large", large_case(), args.runs)


if __name__ == "__main__":
    main()
