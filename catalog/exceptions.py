"""Catalog domain errors."""


class StockShortage(Exception):
    """Some variants cannot give the units asked for. `available` maps each short variant id
    to the units it could give (on-hand stock net of other carts' live holds; 0 when the
    variant is no longer sold). Callers name the products and translate it for people."""

    def __init__(self, available: dict[int, int]):
        super().__init__(f"not enough stock for variant(s) {sorted(available)}")
        self.available = available
