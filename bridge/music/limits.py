"""Every limit and default a request, a clip or a model's vocabulary shares, named once.

The protocol's checks, the clip's validation, the prompt parser, the CLI's options and the
token vocabulary all import these, so the number a client is told and the number enforced are
the same number. Changing MAX_BARS changes the Transformer vocabulary (one BARS token per bar
count): bump `bridge.engines.decoding.vocab.VERSION` with it.
"""

from __future__ import annotations

MAX_BARS = 64  # bars in one clip or request, 1..MAX_BARS; also the number of BARS tokens
DEFAULT_BARS = 4  # bars a generate or continue request makes when it names none
MAX_NOTES = 10_000  # notes one clip (an upload or an answer) may hold
MAX_VARIATIONS = 8  # variations one request may ask for, 1..MAX_VARIATIONS
MAX_BAND_CLIPS = 32  # clips one band request may return: variations x parts
MIN_STEPS, MAX_STEPS, DEFAULT_STEPS = 2, 16, 5  # clips one interpolate request returns (endpoints included)
MAX_INTERPOLATE_BARS = 16  # bars an interpolate request may span (windows chained)
MAX_CONTEXT_TRACKS = 8  # context clips (slots c1..c8) an accompany, infill or continue request may carry
MIN_TEMPO, MAX_TEMPO = 20, 300  # BPM a request, an upload or a prompt's "N bpm" may ask for
MIN_CLIP_TEMPO, MAX_CLIP_TEMPO = 10, 400  # BPM a Clip may carry: wider, so any MIDI file still reads
