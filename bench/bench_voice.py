"""Voice: time from a call to its WAV being ready, cold (first time a sentence is said) and cached.

Measures the hall's SpeechWorker with the real engine (pyttsx3 on espeak-ng, voice
cmn-latn-pinyin), as `announce()` drives it on every call and recall.

    python -m bench.bench_voice [--calls 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.common import percentile
from drivers.announce_text import announcement_text
from drivers.speech import SpeechSettings, SpeechWorker


def measure(worker: SpeechWorker, texts: list[str]) -> list[float]:
    """Seconds from request() to the WAV on disk, one sentence at a time (as calls come one by one)."""
    times = []
    for text in texts:
        start = time.perf_counter()
        key = worker.request(text)
        if worker.wait_ready(key, timeout=60) is None:
            raise RuntimeError(f"no WAV for {text!r}")
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="onewindow-voice-") as folder:
        worker = SpeechWorker(SpeechSettings(backend="wav", dir=Path(folder)))
        worker.start()
        try:
            texts = [announcement_text(f"A{n:03d}", n % 5 + 1) for n in range(1, args.calls + 1)]
            print(f"cold: {args.calls} new sentences, e.g. {texts[0]!r} ...", file=sys.stderr, flush=True)
            cold = measure(worker, texts)
            cached = measure(worker, texts)  # a recall says the same sentence again
        finally:
            worker.close()
    print(f"{'voice':<8} {'calls':>6} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    for name, times in (("cold", cold), ("cached", cached)):
        print(f"{name:<8} {len(times):>6} {percentile(times, 0.5) * 1000:>9.1f} {percentile(times, 0.99) * 1000:>9.1f} "
              f"{max(times) * 1000:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
