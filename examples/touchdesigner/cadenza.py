"""Cadenza stream for TouchDesigner: start, steer and stop an endless stream, and turn its notes
into CHOP channels.

Paste this into a Text DAT named `cadenza` (see README.md). The OSC In DAT's callbacks call
`on_osc`, a Script CHOP's callbacks call `cook`, an Execute DAT calls `frame` for the keepalive.
From anywhere:  op('cadenza').module.start(style='irish-folk')
                op('cadenza').module.set('mood', 'tense')
                op('cadenza').module.stop()

Timing: each note arrives LOOKAHEAD_MS before its time tag, so it is due LOOKAHEAD_MS after it
arrives; the CHOP turns it on at the first frame at or after that moment (frame accurate).
`op`, `absTime` and `debug` are TouchDesigner's own globals.
"""

OSC_OUT = 'oscout1'        # OSC Out DAT: Network Address 127.0.0.1, Port 7500
REPLY_PORT = 7502          # the OSC In DAT's Network Port
STREAM_ID = 1              # any int32; one per stream
TEMPO = 120.0              # BPM asked for (the daemon's /cadenza/info confirms it)
LOOKAHEAD_MS = 50.0        # bundles arrive this long before their time tag
KEEPALIVE_S = 3.0          # the daemon stops a silent client's streams after 10 s
NOTES_TABLE = 'notes'      # optional Table DAT that logs notes; '' for none
MAX_TABLE_ROWS = 200

state = {
    'running': False, 'status': 'idle', 'tempo': TEMPO,
    'notes': [],           # [pitch, velocity, start_s, end_s] in absTime seconds
    'bar': 0, 'beat': 0, 'beat_due': -1.0, 'pending_beats': [],
    'last_pitch': 0, 'last_velocity': 0, 'last_keepalive': 0.0,
}


def _send(address, args):
    op(OSC_OUT).sendOSC(address, args)


def start(**conditions):
    """Start the stream; conditions are generate keys: style='rock', role='bass', key='D minor'..."""
    args = [STREAM_ID, 'tempo', float(TEMPO), 'lookahead_ms', float(LOOKAHEAD_MS), 'reply_port', REPLY_PORT]
    for k, v in conditions.items():
        args += [k, v]
    state.update(running=True, status='starting', tempo=TEMPO, notes=[], pending_beats=[],
                 last_keepalive=absTime.seconds)
    _send('/cadenza/stream/start', args)


def set(key, value):  # noqa: A001 - the protocol's word
    """Change style, mood, key, role, density or temperature at the next bar line."""
    _send('/cadenza/stream/set', [STREAM_ID, key, value])


def stop():
    _send('/cadenza/stream/stop', [STREAM_ID])


def keepalive():
    state['last_keepalive'] = absTime.seconds
    _send('/cadenza/stream/keepalive', [STREAM_ID])


def frame(frame_number=None):
    """Call every frame (Execute DAT onFrameStart): sends the keepalive every KEEPALIVE_S."""
    if state['running'] and absTime.seconds - state['last_keepalive'] >= KEEPALIVE_S:
        keepalive()


def on_osc(address, args):
    """Call from the OSC In DAT's onReceiveOSC with its address and args."""
    if not args or args[0] != STREAM_ID:
        return
    now = absTime.seconds
    due = now + LOOKAHEAD_MS / 1000.0
    if address == '/cadenza/note':
        pitch, velocity, beats = int(args[1]), int(args[2]), float(args[3])
        end = due + beats * 60.0 / state['tempo']
        state['notes'].append([pitch, velocity, due, end])
        if NOTES_TABLE and op(NOTES_TABLE) is not None:
            table = op(NOTES_TABLE)
            if table.numRows == 0:
                table.appendRow(['pitch', 'velocity', 'beats', 'due_s'])
            table.appendRow([pitch, velocity, beats, round(due, 4)])
            if table.numRows > MAX_TABLE_ROWS:
                table.deleteRow(1)
    elif address == '/cadenza/beat':
        state['pending_beats'].append((due, int(args[1]), int(args[2])))
    elif address == '/cadenza/info':
        info = dict(zip(args[1::2], args[2::2]))
        state['tempo'] = float(info.get('tempo', state['tempo']))
        state['status'] = 'playing'
    elif address in ('/cadenza/done', '/cadenza/error'):
        state['running'] = False
        state['status'] = 'ended' if address == '/cadenza/done' else 'error: {} {}'.format(*args[1:3])
        debug('cadenza stream', STREAM_ID, state['status'])
    elif address == '/cadenza/stream/rejected':
        debug('cadenza: set rejected:', args[2])


def cook(scriptOp):
    """Call from a Script CHOP's onCook: channels n0..n127 (velocity 0..1 while the note sounds),
    gate, pitch, velocity, bar, beat and beat_pulse (1 on the frame a beat lands)."""
    now = absTime.seconds
    levels = [0.0] * 128
    keep = []
    for note in state['notes']:
        pitch, velocity, start_s, end_s = note
        if end_s <= now:
            continue
        keep.append(note)
        if start_s <= now:
            levels[pitch] = max(levels[pitch], velocity / 127.0)
            if start_s > state.get('last_start', -1.0):
                state['last_start'] = start_s
                state['last_pitch'], state['last_velocity'] = pitch, velocity
    state['notes'] = keep
    pulse = 0.0
    waiting = []
    for due, bar, beat in state['pending_beats']:
        if due <= now:
            state['bar'], state['beat'], pulse = bar, beat, 1.0
        else:
            waiting.append((due, bar, beat))
    state['pending_beats'] = waiting

    scriptOp.clear()
    scriptOp.numSamples = 1
    for pitch in range(128):
        scriptOp.appendChan('n%d' % pitch)[0] = levels[pitch]
    values = {'gate': 1.0 if any(levels) else 0.0, 'pitch': state['last_pitch'],
              'velocity': state['last_velocity'] / 127.0, 'bar': state['bar'], 'beat': state['beat'],
              'beat_pulse': pulse}
    for name, value in values.items():
        scriptOp.appendChan(name)[0] = value
