"""Synthetic screenshots: a window with its title bar and labelled widgets, the active one
highlighted, WebP-compressed, with a 64-bit difference hash (dHash) as perceptual hash.

One image per (screen, active element) is enough for the explorer and keeps a 10-user,
10-day simulation fast; the simulator reuses it for every event that shows that state.
"""

from __future__ import annotations

import io
import re
from functools import cache, lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sample_logs.layout import CANVAS, Widget, widget_index, widgets
from sample_logs.screens import resolve

BACKGROUND = (243, 243, 243)
TITLE_BAR = {"chrome.exe": (53, 54, 58), "EXCEL.EXE": (16, 124, 65), "saplogon.exe": (0, 64, 120)}
DEFAULT_BAR = (0, 90, 158)
ACTIVE = (255, 241, 168)
ACTIVE_OUTLINE = (0, 120, 215)
VARIABLE = re.compile(r"\{[^}]*\}")  # a template's placeholder


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def render_screen(
    app: str, title: str, url: str | None, items: tuple[Widget, ...], active: int | None
) -> Image.Image:
    """Draw the window ``title`` of ``app`` with ``items``, highlighting item ``active``."""
    image = Image.new("RGB", CANVAS, BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, CANVAS[0], 28), fill=TITLE_BAR.get(app, DEFAULT_BAR))
    draw.text((10, 7), title[:95], fill="white", font=_font(13))
    if url:
        draw.rectangle((8, 32, CANVAS[0] - 8, 36), fill=(225, 225, 225))
        draw.text((12, 30), url[:110], fill=(90, 90, 90), font=_font(9))
    for i, widget in enumerate(items):
        _draw_widget(draw, widget, i == active)
    return image


def _draw_widget(draw: ImageDraw.ImageDraw, widget: Widget, active: bool) -> None:
    left, top, right, bottom = widget.box
    name = widget.name
    fill = ACTIVE if active else (255, 255, 255)
    outline = ACTIVE_OUTLINE if active else (160, 160, 160)
    width = 3 if active else 1
    if widget.role in ("button", "checkbox"):
        draw.rounded_rectangle(widget.box, 5, fill=ACTIVE if active else (225, 225, 225),
                               outline=outline, width=width)  # fmt: skip
        draw.text((left + 8, top + 7), name[:16], fill="black", font=_font(12))
    elif widget.role in ("tab", "link", "menuitem"):
        draw.rectangle(widget.box, fill=fill, outline=outline, width=width)
        draw.text((left + 6, top + 4), name[:16], fill=(0, 82, 160), font=_font(12))
    elif widget.role == "option":  # the open list of the drop-down above it
        draw.rectangle(widget.box, fill=fill, outline=outline, width=width)
        for row in range(top + 9, bottom - 4, 7):
            draw.line((left + 8, row, right - 60, row), fill=(170, 170, 170), width=2)
    else:
        draw.text((left - 168, top + 7), name[:24], fill=(40, 40, 40), font=_font(12))
        draw.rectangle(widget.box, fill=fill, outline=outline, width=width)
        if widget.role == "combobox":
            draw.polygon(((right - 18, top + 11), (right - 8, top + 11), (right - 13, top + 17)),
                         fill=(90, 90, 90))  # fmt: skip


def encode_webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=40, method=0)  # fastest; flat images stay small
    return out.getvalue()


def dhash(image: Image.Image) -> int:
    """64-bit difference hash as a signed integer (the BIGINT ``phash`` column)."""
    small = np.asarray(image.convert("L").resize((9, 8), Image.Resampling.BILINEAR), dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    value = int("".join("1" if b else "0" for b in bits), 2)
    return value - (1 << 64) if value >= 1 << 63 else value


@lru_cache(maxsize=1024)
def render_state(screen: str, flavour: str, element: str | None) -> tuple[bytes, int]:
    """WebP bytes and dHash of ``screen`` (as a ``flavour`` user sees it) with ``element``
    active. The title bar and URL show the templates' fixed parts, with ``...`` for the
    variable ones, so that one image truthfully stands for every showing of that state."""
    window = resolve(screen, flavour)
    active = widget_index()[(screen, element)][0] if element is not None else None
    title, url = (VARIABLE.sub("...", t) if t else t for t in (window.title, window.url))
    image = render_screen(window.app, title, url, widgets().get(screen, ()), active)
    return encode_webp(image), dhash(image)
