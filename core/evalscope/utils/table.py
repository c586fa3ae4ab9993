"""The one plain-text table renderer of the command line (the summary table, ``evalscope compare``)."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(header: Sequence[object], rows: Sequence[Sequence[object]]) -> str:
    """``header`` and ``rows`` as a boxed table: ``+---+`` rules, ``| cell |`` lines, each column as wide as its
    widest cell, cells left-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    rule = "+" + "+".join("-" * (width + 2) for width in widths) + "+"

    def line(cells: Sequence[object]) -> str:
        return "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(cells, widths)) + " |"

    return "\n".join([rule, line(header), rule, *(line(row) for row in rows), rule])
