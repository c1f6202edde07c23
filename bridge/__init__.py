"""Cadenza: trained symbolic-music models served over OSC to DAWs and live tools."""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1  # the OSC protocol's version, reported by /cadenza/status
