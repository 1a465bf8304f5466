"""The browser-tab icon (kept apart so the first page needs nothing heavier than Pillow)."""

from __future__ import annotations

import functools

from PIL import Image, ImageDraw


@functools.cache
def app_icon() -> Image.Image:
    """The browser-tab icon, drawn here: a `:material/…:` page icon makes the browser fetch it from
    fonts.gstatic.com, and the workbench makes no external calls."""
    size = 64
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=12, fill="#005EB8")
    draw.line([(15, 33), (27, 45), (49, 19)], fill="white", width=8, joint="curve")
    return img
