"""The catalogue of sources: which collection becomes which style, under which licence.

One table per kind of source so docs/DATA.md can quote them and a reader can check every
label against its origin. Licences are grouped into classes; `--licence permissive` keeps the
classes in PERMISSIVE_CLASSES (see docs/DATA.md for why copyleft material is among them).
"""

from __future__ import annotations

BUILDER_VERSION = 7  # bump when parsing or labelling changes: invalidates the parse cache

# licence id -> (class, one-line statement). Classes: permissive, copyleft, non-commercial,
# reserved, user.
LICENCES = {
    "music21-corpus": ("permissive", "music21 corpus; distributed with the encoders' permission, no restriction stated"),
    "essen-nc": ("non-commercial", "Essen folksong collection: permission for non-commercial use only"),
    "palestrina-reserved": ("reserved", "Humdrum Palestrina masses (J. Miller): derivative electronic formats reserved"),
    "ccarh-reserved": ("reserved", "CCARH Humdrum (.krn) encodings: derivative rights reserved"),
    "rights-reserved": ("reserved", "the file carries its own copyright notice naming an owner"),
    "CC0-1.0": ("permissive", "the file's own notice: CC0 / public domain"),
    "CC-BY-SA-3.0": ("copyleft", "the file's own notice: Creative Commons Attribution-ShareAlike 3.0"),
    "BSD-3-Clause": ("permissive", "Freedoom: BSD 3-clause"),
    "Artistic-1.0": ("permissive", "Simutrans data: Artistic License 1.0"),
    "GPL-2.0": ("copyleft", "OpenMSX (OpenTTD music set): GPL version 2"),
    "GPL-2.0-or-later": ("copyleft", "MMA groove library (Bob van der Poel): GPL version 2 or later"),
    "user": ("user", "a folder the user supplied: their own responsibility"),
}
PERMISSIVE_CLASSES = frozenset({"permissive", "copyleft", "user"})
LICENCE_FILTERS = ("permissive", "all")


def licence_from_notice(notice: str, default: str) -> str:
    """The licence a file's own rights notice gives, overriding its collection's `default`
    only when the collection is permissive: a notice cannot loosen a restricted collection.
    An empty template ("Copyright ©" with no owner, as notation programs write) is no notice."""
    text = notice.strip()
    if not text or LICENCES[default][0] != "permissive":
        return default
    low = text.lower()
    if "cc0" in low or "public domain" in low:
        return "CC0-1.0"
    if "cc-by-sa" in low or "by-sa" in low:
        return "CC-BY-SA-3.0"
    bare = low.replace("copyright", "").replace("©", "").replace("(c)", "").strip(" .,:;-")
    return default if not bare else "rights-reserved"


def licence_allowed(licence: str, licence_filter: str) -> bool:
    if licence_filter not in LICENCE_FILTERS:
        raise ValueError(f"licence filter must be one of {LICENCE_FILTERS}, got {licence_filter!r}")
    if licence_filter == "all":
        return True
    return LICENCES[licence][0] in PERMISSIVE_CLASSES


# music21 corpus folder -> (style, licence, texture). texture says how a multi-voice score
# becomes clips: "voices" = top voice melody, lowest voice bass, all voices merged as one
# chords/keys part; None = every part labelled on its own.
MUSIC21_COLLECTIONS = {
    "bach": ("baroque-chorale", "music21-corpus", "voices"),
    "oneills1850": ("irish-folk", "music21-corpus", None),
    "ryansMammoth": ("irish-folk", "music21-corpus", None),
    "airdsAirs": ("scottish", "music21-corpus", None),
    "miscFolk": ("anglo-folk", "music21-corpus", None),
    "nottingham-dataset": ("anglo-folk", "music21-corpus", None),
    "beethoven": ("classical-quartet", "music21-corpus", "voices"),
    "mozart": ("classical-quartet", "music21-corpus", "voices"),
    "haydn": ("classical-quartet", "music21-corpus", "voices"),
    "joplin": ("ragtime", "music21-corpus", None),
    "josquin": ("renaissance", "music21-corpus", "voices"),
    "monteverdi": ("renaissance", "music21-corpus", "voices"),
    "lusitano": ("renaissance", "music21-corpus", "voices"),
    "palestrina": ("renaissance", "palestrina-reserved", "voices"),
    "trecento": ("medieval", "music21-corpus", "voices"),
    "ciconia": ("medieval", "music21-corpus", "voices"),
    "luca": ("medieval", "music21-corpus", "voices"),
    "essenFolksong": ("german-folk", "essen-nc", None),
}
# Essen files whose region is not German-speaking.
ESSEN_STYLE_BY_PREFIX = {"han": "chinese-folk", "irl": "irish-folk"}
# Not taken: single non-quartet works (k545, Chopin, Schumann, ...), analyses (.rntxt),
# test and demo files. Too few per style to learn from; see docs/DATA.md.
MUSIC21_SKIP_PARTS = ("k545", "choraleAnalyses", "theoryExercises")

# Debian packages holding MIDI: package -> (style, licence, glob under the unpacked root)
DEBIAN_PACKAGES = {
    "freedoom": ("game", "BSD-3-Clause", "usr/share/games/doom/*.wad"),
    "simutrans-data": ("game", "Artistic-1.0", "usr/share/games/simutrans/music/*.mid"),
    "openttd-openmsx": ("game", "GPL-2.0", "usr/share/games/openttd/baseset/openmsx/*.mid"),
}

# MMA groove library folders to render, and groove file stem -> style. Stems not listed are
# skipped (metronomes, fills, the empty groove).
MMA_LIBRARIES = ("stdlib", "casio", "zoom", "alexis", "kara", "yamaha", "pflib")
_MMA_STYLE_WORDS = {
    "rock": ["50srock", "60srock", "8beat", "basicrock", "bubblerock", "folkrock", "rock-128", "rockballad",
             "softrock", "twist", "rock", "rock1", "rock2", "slowrock", "shufflerock", "digitalrock", "heavymetal",
             "poprock1", "poprock2", "hrk", "mtl", "punk", "rock34", "beat8", "beat16", "k50s_rock", "w-rock",
             "8beat1", "8beat2", "8beat3", "16beat1", "16beat2", "16beat3", "slow16beat", "jazzrock", "rockwaltz"],
    "blues": ["blues", "blues128", "blues68", "fastblues", "slowblues", "countryblues", "boggiewoggie",
              "shuffleboggie", "shuffleboogie", "bluefolk", "blues34", "shuffle", "16shuffle1", "16shuffle2",
              "popshuffle1", "popshuffle2"],
    "swing": ["swing", "fastswing", "easyswing", "bigband", "bebop", "jazzcombo", "jazzguitar", "modernjazz",
              "nitejazz", "slowjazz", "mellowjazz", "jazzwaltz", "fastjazzwaltz", "modernjazzwaltz",
              "descendingjazz", "evansish", "folkyjazz", "gypsyjazz", "dixie", "westernswing", "countryswing",
              "68swing", "foxtrot", "quickstep", "jive", "charleston", "softshoe", "jazz-54", "slowswing",
              "fastbigband", "middlebigband", "slowbigband", "jazz", "jazz04", "polkafox"],
    "latin": ["afro-cuban", "beguine", "bolero", "bossanova", "calypso", "chacha", "cubanguitar", "jazzrhumba",
              "latinwaltz", "lfusion", "mambo", "merengue", "rhumba", "salsa", "samba", "son", "tango",
              "lighttango", "slowbolero", "latinfusion", "latinhouse", "bossa", "latin", "afro"],
    "techno": ["trance", "techno", "trance1", "trance2", "house", "rave", "dance", "dance1", "dance2",
               "8beatdance", "teamtechno", "dnb", "triphop", "trip", "ambient", "ambient1", "ambient2",
               "ambient3"],
    "funk": ["bvfunk", "dsoul", "rb", "funk", "funk1", "funk2", "kfunk1", "discosoul", "soul", "60ssoul",
             "mellowrb", "modernrb", "r+b", "rnb", "hiphop", "hip-hop", "fusion", "fus16", "strut", "boneym"],
    "pop": ["pop", "60spop", "80spop", "8beatpop1", "8beatpop2", "8beatpop3", "dancepop1", "dancepop2",
            "dancepop3", "electricpop", "soulpop", "worldpop", "16beatballad1", "16beatballad2",
            "16beatballad3", "8beatballad1", "8beatballad2", "8beatballad3", "ballad", "ballad128", "ballad68",
            "pianoballad", "popballad", "guitarballad", "stringballad", "folkballad", "oldieballad", "68ballad",
            "rb-ballad", "bald", "bald34", "serenade", "lullaby", "arpeggio44", "arpeggio68", "showtune",
            "broadway", "slowbroadway"],
    "country": ["bluegrass", "countrywaltz", "slowcountry", "folk", "hillcountry", "zydeco", "cntry", "count",
                "country"],
    "waltz": ["waltz", "vienesewaltz", "frenchwaltz", "fastwaltz", "broadwaywaltz", "popwaltz",
              "arpeggiowaltz"],
    "march": ["march", "68march", "bwmarch", "dixiemarch", "germanmarch", "march1", "polka", "poppolka"],
    "gospel": ["hymn", "spiritual", "popspiritual", "slowspiritual"],
    "ragtime": ["ragtime"],
    "reggae": ["reggae", "ska"],
}
MMA_STYLES = {stem: style for style, stems in _MMA_STYLE_WORDS.items() for stem in stems}
MMA_MAX_GROOVES_PER_FILE = 3  # main groove plus two variants: more repeats the same drums
MMA_SKIP_WORDS = ("intro", "end", "fill", "break", "sus", "plus")  # fills and string-pad copies

# Tempo (BPM) when the source gives none (music21 scores without a metronome mark).
DEFAULT_TEMPO = {
    "baroque-chorale": 76, "irish-folk": 112, "scottish": 100, "anglo-folk": 108, "german-folk": 96,
    "chinese-folk": 80, "classical-quartet": 110, "ragtime": 100, "renaissance": 72, "medieval": 72,
}
# Tempo per MMA style; "slow"/"fast" in a groove's file name scale it.
MMA_TEMPO = {
    "rock": 120, "blues": 96, "swing": 150, "latin": 112, "techno": 130, "funk": 100, "pop": 100,
    "country": 120, "waltz": 150, "march": 116, "gospel": 80, "ragtime": 100, "reggae": 90,
}
