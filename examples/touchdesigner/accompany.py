"""Cadenza accompany for TouchDesigner: send the melody in a Table DAT, get a bass line back into
another Table DAT.

Paste this into a Text DAT named `accompany` (see README.md, "Accompany: a bass for a melody").
The melody is a Table DAT `melody` with one note a row: pitch, start (beats), duration (beats),
velocity (a first row of column names is skipped). The OSC In DAT's callbacks call `on_osc`
(accompany_osc_in_callbacks.py). From a Button's callback or the Textport:

    op('accompany').module.send()                  # a bass for the melody
    op('accompany').module.send(role='chords')     # or chords, keys, drums
    op('accompany').module.state['status']         # 'waiting', 'done' or 'error: ...'

The answer fills the Table DAT `bass` (same columns) when it is complete; the daemon's
`/cadenza/info` (model, key, bars, context) lands in state['info']. `op` is TouchDesigner's own.
"""

OSC_OUT = 'oscout1'        # OSC Out DAT: Network Address 127.0.0.1, Port 7500
REPLY_PORT = 7503          # the OSC In DAT's Network Port for these replies
REQUEST_ID = 14            # any int32; a new send() reuses it once the last answer came
MELODY_TABLE = 'melody'    # Table DAT read: pitch, start, duration, velocity
PART_TABLE = 'bass'        # Table DAT written with the answer
METER = '4/4'
BEATS_PER_BAR = 4.0        # of METER, in quarter-note beats
NOTES_PER_MESSAGE = 64     # the protocol's most notes in one clip/notes message

state = {'status': 'idle', 'info': {}, 'notes': [], 'error': None}


def _send(address, args):
    op(OSC_OUT).sendOSC(address, args)


def _melody():
    """The melody table's notes as [pitch, start, duration, velocity] numbers."""
    table, notes = op(MELODY_TABLE), []
    for r in range(table.numRows):
        cells = [table[r, c].val for c in range(4)]
        try:
            notes.append([int(float(cells[0])), float(cells[1]), float(cells[2]), int(float(cells[3]))])
        except ValueError:
            continue  # the header row
    return notes


def send(role='bass', **keys):
    """Upload the melody as context track c1 and ask for `role`; keys are accompany keys
    (seed=3, variations=1, key='A minor', model='...')."""
    notes = _melody()
    end = max([s + d for _, s, d, _ in notes] or [BEATS_PER_BAR])
    length = -(-end // BEATS_PER_BAR) * BEATS_PER_BAR  # whole bars
    _send('/cadenza/clip/begin', [REQUEST_ID, float(length), 'meter', METER, 'slot', 'c1', 'role', 'melody',
                                  'reply_port', REPLY_PORT])
    for i in range(0, len(notes), NOTES_PER_MESSAGE):
        flat = [x for n in notes[i:i + NOTES_PER_MESSAGE] for x in n]
        _send('/cadenza/clip/notes', [REQUEST_ID, 'c1'] + flat + ['reply_port', REPLY_PORT])
    args = [REQUEST_ID, 'role', role]
    for k, v in keys.items():
        args += [k, v]
    state.update(status='waiting', info={}, notes=[], error=None)
    _send('/cadenza/accompany', args + ['reply_port', REPLY_PORT])


def on_osc(address, args):
    """Every reply of the daemon (called by the OSC In DAT's callbacks)."""
    if not args or args[0] != REQUEST_ID:
        return
    if address == '/cadenza/info':
        state['info'] = dict(zip(args[1::2], args[2::2]))
    elif address == '/cadenza/result/notes' and args[1] == 0:  # variation 0
        flat = args[2:]
        state['notes'] += [flat[i:i + 4] for i in range(0, len(flat), 4)]
    elif address == '/cadenza/done':
        table = op(PART_TABLE)
        table.clear()
        table.appendRow(['pitch', 'start', 'duration', 'velocity'])
        for p, s, d, v in state['notes']:
            table.appendRow([int(p), round(s, 4), round(d, 4), int(v)])
        state['status'] = 'done'
    elif address == '/cadenza/error':
        state['error'] = (args[1], args[2])
        state['status'] = 'error: %s: %s' % (args[1], args[2])
