"""Corpus building (`cadenza data build`) and the on-disk dataset format."""
