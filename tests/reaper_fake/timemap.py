"""A project tempo map like REAPER's: tempo / time-signature markers, seconds <-> quarter notes.

Tempo is constant between markers (no linear ramps) and, as in REAPER, a marker that changes
the time signature sits on a bar line, so bars are counted segment by segment. This is enough
to tell placement done in quarter notes through the map from placement done with one tempo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    time: float  # seconds where this marker starts
    qn: float  # project quarter notes at that time
    measure: int  # 0-based index of the bar that starts here
    bpm: float
    num: int
    den: int

    @property
    def qn_per_bar(self) -> float:
        return self.num * 4.0 / self.den


class TempoMap:
    def __init__(self, markers=((0.0, 120.0, 4, 4),)):
        """markers: (time_seconds, bpm, numerator, denominator), the first at time 0."""
        markers = sorted(markers)
        if not markers or markers[0][0] != 0.0:
            raise ValueError("the first tempo marker must be at time 0")
        segs: list[Segment] = []
        for time, bpm, num, den in markers:
            if not segs:
                segs.append(Segment(0.0, 0.0, 0, float(bpm), int(num), int(den)))
                continue
            prev = segs[-1]
            qn = prev.qn + (time - prev.time) * prev.bpm / 60.0
            bars = (qn - prev.qn) / prev.qn_per_bar
            if abs(bars - round(bars)) > 1e-6:
                raise ValueError(f"tempo marker at {time}s is not on a bar line ({bars} bars after the last)")
            segs.append(Segment(float(time), qn, prev.measure + round(bars), float(bpm), int(num), int(den)))
        self.segments = segs

    def _seg_by_time(self, t: float) -> Segment:
        return next((s for s in reversed(self.segments) if s.time <= t + 1e-12), self.segments[0])

    def _seg_by_qn(self, qn: float) -> Segment:
        return next((s for s in reversed(self.segments) if s.qn <= qn + 1e-12), self.segments[0])

    def _seg_by_measure(self, m: int) -> Segment:
        return next((s for s in reversed(self.segments) if s.measure <= m), self.segments[0])

    def time_to_qn(self, t: float) -> float:
        s = self._seg_by_time(t)
        return s.qn + (t - s.time) * s.bpm / 60.0

    def qn_to_time(self, qn: float) -> float:
        s = self._seg_by_qn(qn)
        return s.time + (qn - s.qn) * 60.0 / s.bpm

    def sig_at(self, t: float) -> tuple[int, int, float]:
        s = self._seg_by_time(t)
        return s.num, s.den, s.bpm

    def time_to_beats(self, t: float) -> tuple[float, int, int, float, int]:
        """REAPER's TimeMap2_timeToBeats: beats within the bar (in the denominator's unit), bar
        index, beats per bar, full beats (quarter notes) and denominator."""
        qn = self.time_to_qn(t)
        s = self._seg_by_qn(qn)
        bars_in = math.floor((qn - s.qn) / s.qn_per_bar + 1e-9)
        measure = s.measure + bars_in
        beat = (qn - s.qn - bars_in * s.qn_per_bar) * s.den / 4.0
        return beat, measure, s.num, qn, s.den

    def beats_to_time(self, beats: float, measure: int | None) -> float:
        """REAPER's TimeMap2_beatsToTime: `beats` into bar `measure`, or quarter notes from 0."""
        if measure is None:
            return self.qn_to_time(beats)
        s = self._seg_by_measure(measure)
        qn = s.qn + (measure - s.measure) * s.qn_per_bar + beats * 4.0 / s.den
        return self.qn_to_time(qn)
