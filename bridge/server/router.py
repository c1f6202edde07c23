"""The address table: OSC address -> handler, and nothing else.

Why handlers register themselves (as AbletonOSC's modules and python-osc's `Dispatcher.map` do):
each module declares its addresses next to the functions that answer them, so adding an address
touches one module, and the table can never list an address whose handler lives elsewhere. The
router does not decode, lock or answer errors; the daemon does that around `dispatch`.

A handler is `handler(args: list, peer) -> None`; it raises `bridge.errors` types for bad input.
"""

from __future__ import annotations

from typing import Callable

from bridge.errors import UnknownAddress

ROOT = "/cadenza"  # every address of protocol v1 starts here; nothing else in bridge/ spells it

Handler = Callable[[list, object], None]


class Router:
    """Maps full OSC addresses to handlers; `dispatch` calls the one for an address."""

    def __init__(self):
        self._table: dict[str, Handler] = {}

    def map(self, address: str, handler: Handler) -> None:
        """Register `handler` for `address` (a full address, e.g. f"{ROOT}/ping")."""
        if address in self._table:
            raise ValueError(f"address {address} is already mapped to {self._table[address]!r}")
        self._table[address] = handler

    def addresses(self) -> list[str]:
        return sorted(self._table)

    def __contains__(self, address: str) -> bool:
        return address in self._table

    def dispatch(self, address: str, args: list, peer) -> None:
        handler = self._table.get(address)
        if handler is None:
            shown = address if len(address) <= 64 else address[:61] + "..."
            raise UnknownAddress(f"unknown address {shown}; known: {', '.join(self.addresses())}")
        handler(args, peer)
