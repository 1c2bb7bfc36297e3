"""Tests of the hall voice: announcement text, WAV rendering with espeak-ng, caching, faults, playback."""

from __future__ import annotations

import subprocess
import sys
import threading
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.announce_text import announcement_text, chinese_numeral, voice_segments
from drivers.speech import (
    LocalPlayer,
    Pyttsx3Engine,
    SimulatedSpeechEngine,
    SpeechConfigError,
    SpeechRenderError,
    SpeechSettings,
    SpeechWorker,
)

TIMEOUT = 30.0
SENTENCE = "请A 零零一号到三号窗口办理"


class StatusLog:
    """Collects on_status calls and lets a test wait for one without sleeping."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self._changed = threading.Condition()

    def __call__(self, state: str, message: str) -> None:
        with self._changed:
            self.calls.append((state, message))
            self._changed.notify_all()

    def wait_for(self, state: str, timeout: float = TIMEOUT) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: any(s == state for s, _ in self.calls), timeout)

    def states(self) -> list[str]:
        return [state for state, _ in self.calls]


def wav_info(path: Path) -> tuple[int, int, int, float]:
    """(channels, sample width, rate, seconds) of a WAV file."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes() / wav.getframerate()


def seconds(path: Path) -> float:
    return wav_info(path)[3]


@pytest.fixture(scope="module")
def espeak_rate() -> int:
    """The sample rate espeak-ng itself produces for the Mandarin voice, read from its own WAV header."""
    out = subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "--stdout", "请"], capture_output=True, check=True)
    assert out.stdout[:4] == b"RIFF"
    return int.from_bytes(out.stdout[24:28], "little")


@pytest.fixture
def make_worker(tmp_path: Path) -> Iterator:
    workers: list[SpeechWorker] = []

    def make(name: str = "speech", **options: object) -> SpeechWorker:
        engine_factory = options.pop("engine_factory", None)
        on_status = options.pop("on_status", None)
        settings = SpeechSettings(dir=tmp_path / name, **options)  # type: ignore[arg-type]
        worker = SpeechWorker(settings, on_status, engine_factory=engine_factory)  # type: ignore[arg-type]
        worker.start()
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.close()


def render(worker: SpeechWorker, text: str = SENTENCE) -> Path:
    path = worker.wait_ready(worker.request(text), TIMEOUT)
    assert path is not None, f"no WAV for {text!r}"
    return path


# --- announcement text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "counter", "expected"),
    [
        ("A001", "3", "请A 零零一号到三号窗口办理"),
        ("A1000", 10, "请A 一零零零号到十号窗口办理"),
        ("B012", "12", "请B 零一二号到十二号窗口办理"),
        ("C7", 25, "请C 七号到二十五号窗口办理"),
        ("a-005", "03", "请A 零零五号到三号窗口办理"),
    ],
)
def test_zh_reads_digits_one_by_one_and_counter_as_a_numeral(number: str, counter: str | int, expected: str) -> None:
    assert announcement_text(number, counter) == expected


@pytest.mark.parametrize(("value", "words"), [(0, "零"), (3, "三"), (10, "十"), (12, "十二"), (20, "二十"),
                                              (25, "二十五"), (100, "一百"), (105, "一百零五"), (110, "一百一十")])
def test_chinese_numerals(value: int, words: str) -> None:
    assert chinese_numeral(value) == words


def test_en_and_bilingual() -> None:
    assert announcement_text("A001", 3, lang="en") == "Number A 0 0 1, please go to counter 3"
    assert announcement_text("A001", "3", lang="bilingual") == (
        "请A 零零一号到三号窗口办理\nNumber A 0 0 1, please go to counter 3"
    )
    assert voice_segments(announcement_text("B012", 12, lang="bilingual")) == [
        ("请B 零一二号到十二号窗口办理", True),
        ("Number B 0 1 2, please go to counter 12", False),
    ]


def test_custom_templates() -> None:
    assert announcement_text("A001", 3, template="{number}号请到{counter}号窗口") == "A 零零一号请到三号窗口"
    assert announcement_text("A001", 3, lang="bilingual", template="请{number}号\nTicket {number}") == (
        "请A 零零一号\nTicket A 0 0 1"
    )


@pytest.mark.parametrize("template", ["请{num}号", "{0}号", "{}号", "请{number号"])
def test_bad_template_is_a_clear_value_error(template: str) -> None:
    with pytest.raises(ValueError, match="template"):
        announcement_text("A001", 3, template=template)


@pytest.mark.parametrize(("number", "lang"), [("", "zh"), ("A#1", "zh"), ("Ａ001", "zh"), ("A001", "fr")])
def test_bad_number_or_language(number: str, lang: str) -> None:
    with pytest.raises(ValueError):
        announcement_text(number, 3, lang=lang)


# --- settings ----------------------------------------------------------------------------------------------


def test_settings_from_mapping_accepts_config_and_environment_values() -> None:
    settings = SpeechSettings.from_mapping(
        {"backend": "wav", "dir": "/srv/speech", "rate": "170", "volume": "0.8", "chime": "off", "repeat": 2}
    )
    assert settings == SpeechSettings(dir=Path("/srv/speech"), rate=170, volume=0.8, chime=False, repeat=2)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"speed": 3}, "unknown"),
        ({"backend": "mp3"}, "backend"),
        ({"rate": 5}, "rate"),
        ({"rate": "fast"}, "rate"),
        ({"volume": 2}, "volume"),
        ({"repeat": 0}, "repeat"),
        ({"chime": "maybe"}, "chime"),
        ({"template": "{ticket}"}, "placeholder"),
    ],
)
def test_settings_from_mapping_rejects_bad_values(mapping: dict, message: str) -> None:
    with pytest.raises(SpeechConfigError, match=message):
        SpeechSettings.from_mapping(mapping)


# --- rendering with espeak-ng ------------------------------------------------------------------------------


def test_real_wav_for_a_call(make_worker, espeak_rate: int) -> None:
    worker = make_worker(chime=False)
    path = render(worker, announcement_text("A001", 3))
    assert path == worker.path_for(worker.key_for(SENTENCE))
    assert path.read_bytes()[:4] == b"RIFF" and path.read_bytes()[8:12] == b"WAVE"
    channels, width, rate, duration = wav_info(path)
    assert (channels, width) == (1, 2)
    assert rate == espeak_rate == 22050
    assert duration > 1.0
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_mandarin_voice_is_pinyin_and_unknown_voice_fails(tmp_path: Path) -> None:
    engine = Pyttsx3Engine(SpeechSettings())
    try:
        assert engine.resolve_voice("cmn-latn-pinyin") == "sit/cmn-latn-pinyin"
        assert engine.resolve_voice("en") == "gmw/en"
        with pytest.raises(SpeechRenderError, match="not installed"):
            engine.render("请", "cmn-klingon", tmp_path / "x.wav")
        # pyttsx3 alone would loop forever in runAndWait here; the engine fails fast instead.
        with pytest.raises(FileNotFoundError):
            engine.render("请", "cmn-latn-pinyin", tmp_path / "missing" / "x.wav")
        engine.render("请", "cmn-latn-pinyin", tmp_path / "x.wav")
        assert seconds(tmp_path / "x.wav") > 0.2
    finally:
        engine.close()


def test_back_to_back_renders_are_never_cut_short(tmp_path: Path) -> None:
    """pyttsx3 cancels an utterance when espeak is still busy; every render must still be whole."""
    engine = Pyttsx3Engine(SpeechSettings())
    try:
        lengths = set()
        for n in range(30):
            engine.render(SENTENCE, "cmn-latn-pinyin", tmp_path / f"{n}.wav")
            lengths.add(seconds(tmp_path / f"{n}.wav"))
    finally:
        engine.close()
    # espeak-ng varies by a few ms of trailing pause from run to run; a cut-short utterance loses far more.
    assert min(lengths) > 1.0 and max(lengths) - min(lengths) < 0.05


def test_chime_and_repeat_make_it_longer(make_worker) -> None:
    plain = seconds(render(make_worker("plain", chime=False)))
    chimed = seconds(render(make_worker("chimed", chime=True)))
    twice = seconds(render(make_worker("twice", chime=False, repeat=2)))
    assert chimed == pytest.approx(plain + 1.05, abs=0.01)
    assert twice >= 2 * plain


def test_bilingual_uses_a_voice_per_language(make_worker) -> None:
    engines: list[SimulatedSpeechEngine] = []

    def factory(settings: SpeechSettings) -> SimulatedSpeechEngine:
        engines.append(SimulatedSpeechEngine(settings))
        return engines[-1]

    worker = make_worker(engine_factory=factory, chime=False)
    render(worker, announcement_text("A001", 3, lang="bilingual"))
    assert engines[0].rendered == [(SENTENCE, "cmn-latn-pinyin"), ("Number A 0 0 1, please go to counter 3", "en")]
    real = make_worker("real", chime=False)
    zh_only = seconds(render(real))
    assert seconds(render(real, announcement_text("A001", 3, lang="bilingual"))) > zh_only + 1.0


def test_cache_hit_returns_same_key_without_rendering(make_worker) -> None:
    worker = make_worker()
    path = render(worker)
    mtime, count = path.stat().st_mtime_ns, worker.render_count
    assert worker.request(SENTENCE) == worker.key_for(SENTENCE)
    assert worker.wait_ready(worker.key_for(SENTENCE), TIMEOUT) == path
    assert (path.stat().st_mtime_ns, worker.render_count) == (mtime, count) == (mtime, 1)
    # A new worker on the same directory serves the file from disk.
    again = make_worker()
    assert again.wait_ready(again.request(SENTENCE), TIMEOUT) == path and again.render_count == 0


def test_eight_threads_requesting_at_once_all_get_valid_files(make_worker) -> None:
    worker = make_worker()
    texts = [announcement_text(f"A{n % 6:03d}", n % 6 + 1) for n in range(8)]  # some requests coincide
    barrier = threading.Barrier(len(texts))
    results: dict[int, Path | None] = {}

    def caller(index: int) -> None:
        barrier.wait(TIMEOUT)
        results[index] = worker.wait_ready(worker.request(texts[index]), TIMEOUT)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    assert all(results[i] == worker.path_for(worker.key_for(texts[i])) for i in range(len(texts)))
    assert worker.render_count == len(set(texts)) == 6
    assert all(wav_info(path)[2] == 22050 and seconds(path) > 2.0 for path in results.values() if path)


# --- faults ------------------------------------------------------------------------------------------------


class BrokenOnceEngine:
    """Fault injection: the real engine, except that any sentence containing 故障 fails."""

    def __init__(self, settings: SpeechSettings) -> None:
        self._real = Pyttsx3Engine(settings)

    def render(self, text: str, voice: str, path: Path) -> None:
        if "故障" in text:
            raise SpeechRenderError("simulated synthesiser fault")
        self._real.render(text, voice, path)

    def close(self) -> None:
        self._real.close()


def test_failing_engine_reports_error_and_worker_keeps_serving(make_worker) -> None:
    status = StatusLog()
    worker = make_worker(engine_factory=BrokenOnceEngine, on_status=status)
    assert worker.wait_ready(worker.request("请故障号到三号窗口办理"), TIMEOUT) is None
    assert status.calls and status.calls[0][0] == "error" and "simulated synthesiser fault" in status.calls[0][1]
    assert render(worker).exists()
    assert status.states() == ["error", "ok"]


def test_engine_that_cannot_start_is_retried_on_the_next_sentence(make_worker) -> None:
    status = StatusLog()
    attempts: list[int] = []

    def factory(settings: SpeechSettings) -> SimulatedSpeechEngine:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("libespeak-ng.so.1: cannot open shared object file")
        return SimulatedSpeechEngine(settings)

    worker = make_worker(engine_factory=factory, on_status=status)
    assert worker.wait_ready(worker.request("请A 零零一号"), TIMEOUT) is None
    assert "libespeak-ng" in status.calls[0][1]
    assert render(worker, "请A 零零二号").exists()
    assert status.states() == ["error", "ok"]


def test_missing_directory_fails_instead_of_hanging(make_worker) -> None:
    status = StatusLog()
    worker = make_worker(on_status=status)
    worker.settings.dir.rmdir()
    assert worker.wait_ready(worker.request(SENTENCE), TIMEOUT) is None
    assert status.states() == ["error"]


def test_backend_none_renders_nothing(tmp_path: Path) -> None:
    worker = SpeechWorker(SpeechSettings(backend="none", dir=tmp_path / "speech"))
    worker.start()
    key = worker.request(SENTENCE)
    assert key == worker.key_for(SENTENCE)
    assert worker.wait_ready(key, TIMEOUT) is None
    worker.close()
    assert not (tmp_path / "speech").exists()


# --- local playback ----------------------------------------------------------------------------------------

RECORDER = "import sys, pathlib; log = pathlib.Path(sys.argv[1]);" \
           " log.open('a').write('start ' + sys.argv[2] + '\\n');" \
           " log.open('a').write('end ' + sys.argv[2] + '\\n')"


def test_local_player_plays_one_after_another(tmp_path: Path) -> None:
    log = tmp_path / "played.log"
    player = LocalPlayer(command=[sys.executable, "-c", RECORDER, str(log)])
    player.start()
    for name in ("a.wav", "b.wav", "c.wav"):
        player.play(tmp_path / name)
    assert player.wait_idle(TIMEOUT)
    player.close()
    lines = log.read_text().splitlines()
    assert lines == [f"{event} {tmp_path / n}" for n in ("a.wav", "b.wav", "c.wav") for event in ("start", "end")]


def test_local_player_without_aplay_reports_error(tmp_path: Path) -> None:
    status = StatusLog()
    player = LocalPlayer(command=["no-such-player-onewindow"], on_status=status)
    player.start()
    player.play(tmp_path / "a.wav")
    assert player.wait_idle(TIMEOUT)
    player.close()
    assert status.states() == ["error"] and "not installed" in status.calls[0][1]
    assert player.played == []
