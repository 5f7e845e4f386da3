"""A demo product's picture: an SVG with its type's pictogram, its name and its colour.

Small text files written next to the media (MEDIA_ROOT/demo/products/), one per product,
so a shopper sees what a product is instead of a flat square.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from xml.sax.saxutils import escape

# Pictograms on a 200 x 200 grid, drawn in white lines (stroke) on the product's colour.
PICTOGRAMS = {
    "shirt": "M70 40 L100 55 L130 40 L170 70 L155 95 L140 88 L140 165 L60 165 L60 88 L45 95 L30 70 Z",
    "shoe": "M30 140 L30 90 L70 90 L95 115 L150 120 Q175 125 175 145 L175 155 L30 155 Z M60 90 L60 110",
    "phone": "M70 30 H130 Q140 30 140 40 V160 Q140 170 130 170 H70 Q60 170 60 160 V40 Q60 30 70 30 Z M90 155 H110",
    "laptop": "M50 55 H150 V125 H50 Z M30 125 H170 L160 145 H40 Z",
    "headphones": "M50 120 V100 Q50 45 100 45 Q150 45 150 100 V120 M40 115 H62 V160 H40 Z M138 115 H160 V160 H138 Z",
    "plug": "M75 30 V60 M125 30 V60 M60 60 H140 V100 Q140 130 100 130 Q60 130 60 100 Z M100 130 V170",
    "keyboard": "M25 70 H175 V140 H25 Z M45 90 H55 M70 90 H80 M95 90 H105 M120 90 H130 M145 90 H155 M60 120 H140",
    "camera": "M30 70 H70 L80 55 H120 L130 70 H170 V150 H30 Z M100 80 A28 28 0 1 0 100.1 80",
    "lens": "M60 60 H140 V150 H60 Z M60 80 H140 M60 100 H140 M100 60 V40 M80 40 H120",
    "pan": "M30 90 H130 V110 Q130 140 100 140 H60 Q30 140 30 110 Z M130 100 H180",
    "chair": "M65 30 V160 M65 100 H140 V160 M65 30 H80 M135 100 V75",
    "towel": "M50 40 H150 V165 H50 Z M50 135 H150 M50 145 H150",
    "lamp": "M70 40 H130 L150 100 H50 Z M100 100 V160 M70 165 H130",
    "running": "M115 45 A12 12 0 1 0 115.1 45 M105 70 L85 110 L110 130 L100 165 M85 110 L60 125 M100 80 L135 95 M85 90 L60 80",
    "tent": "M100 40 L30 160 H170 Z M100 40 V160 M85 160 L100 120 L115 160",
    "dumbbell": "M40 75 H60 V125 H40 Z M140 75 H160 V125 H140 Z M60 100 H140 M25 88 V112 M175 88 V112",
    "bottle": "M85 30 H115 V55 L130 75 V165 H70 V75 L85 55 Z M70 105 H130",
    "perfume": "M90 40 H110 V65 M80 65 H120 M65 75 H135 V165 H65 Z",
    "candle": "M70 80 H130 V165 H70 Z M100 80 V65 M100 30 Q115 50 100 62 Q85 50 100 30",
}
# The product's colour (its first variant's colour or scent), else one from the palette.
COLOURS = {
    "black": "#2b2f36",
    "white": "#8a94a6",
    "navy": "#1e325a",
    "grey": "#5b6270",
    "olive": "#6b7240",
    "burgundy": "#7a2336",
    "sand": "#b39a6b",
    "sky blue": "#4f8fc0",
    "brown": "#6e4a2f",
    "tan": "#a9784f",
    "silver": "#7d8794",
    "space grey": "#4a4f57",
    "midnight blue": "#1f2b4d",
    "blue": "#2f5fb3",
    "red": "#b33a3a",
    "green": "#3e8a55",
    "clear": "#6f9fb0",
    "graphite": "#3d4046",
    "natural": "#a08b6a",
    "charcoal": "#3b3d40",
    "sage": "#7d9474",
    "terracotta": "#b65d3e",
    "ochre": "#b8892e",
    "neon yellow": "#a7b21f",
    "royal blue": "#2e4fb8",
    "forest green": "#2f5d3a",
    "orange": "#d0702a",
    "lavender": "#8a76b3",
    "citrus": "#c99a1c",
    "rose": "#b8607a",
    "sandalwood": "#9a6b4b",
    "eucalyptus": "#4f8a7c",
    "unscented": "#7a8a8f",
    "fig": "#6d4a6a",
    "cedar": "#7a5236",
    "sea salt": "#5a88a0",
}
PALETTE = ["#475569", "#6b8f71", "#b3623f", "#1e3a5f", "#9a7b2f", "#6e3c64"]


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def colour_for(values: list[str], fallback: int) -> str:
    """The hex colour of the first option value that names one."""
    for value in values:
        if value.lower() in COLOURS:
            return COLOURS[value.lower()]
    return PALETTE[fallback % len(PALETTE)]


def product_svg(*, name: str, type_name: str, pictogram: str, colour: str) -> str:
    """The picture of one product, as SVG text."""
    lines = textwrap.wrap(name, 24)[:3]
    text = "".join(
        f'<tspan x="240" dy="{0 if i == 0 else 30}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 480" width="480" height="480"'
        f' role="img" aria-label="{_attr(type_name)}: {_attr(name)}">'
        f'<rect width="480" height="480" fill="{colour}"/>'
        '<rect x="24" y="24" width="432" height="432" rx="28" fill="#ffffff" fill-opacity="0.12"/>'
        f'<g transform="translate(140 50) scale(1)"><path d="{PICTOGRAMS[pictogram]}" fill="none"'
        ' stroke="#ffffff" stroke-width="8" stroke-linecap="round" stroke-linejoin="round"/></g>'
        '<text x="240" y="300" fill="#ffffff" font-family="system-ui, sans-serif" font-size="18"'
        f' text-anchor="middle" letter-spacing="2">{escape(type_name.upper())}</text>'
        '<text x="240" y="345" fill="#ffffff" font-family="system-ui, sans-serif" font-size="26"'
        f' font-weight="600" text-anchor="middle">{text}</text>'
        "</svg>\n"
    )


def write_pictures(root: Path, pictures: list[tuple[str, str]]) -> None:
    """Write each (relative path, SVG) picture once; a half-written file is never seen.

    Each directory is listed once instead of asking for every file whether it exists.
    """
    existing: dict[Path, set[str]] = {}
    for relative, svg in pictures:
        path = root / relative
        names = existing.get(path.parent)
        if names is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            names = existing[path.parent] = set(os.listdir(path.parent))
        if path.name in names:
            continue
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as file:
            file.write(svg)
        os.replace(tmp, path)
        names.add(path.name)
