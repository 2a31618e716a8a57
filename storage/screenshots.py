"""Full frames from stored screenshots.

A recorder stores a full frame now and then and, in between, only the rectangle that
changed since the previous screenshot (a row with ``base_id``, see `storage.schema`).
`full_frame` pastes such changes onto their base, back to the last full frame, so every
reader (the explorer's screenshot route, the process documents) gets whole screens and
need not know how they were stored.
"""

from __future__ import annotations

import io
import logging

# The plugins of the formats screenshots may have (`storage.models.SCREENSHOT_FORMATS`):
# importing them registers them without loading every other Pillow plugin.
from PIL import Image, JpegImagePlugin, PngImagePlugin, WebPImagePlugin  # noqa: F401

log = logging.getLogger("taskmine.storage")

#: Links followed from a screenshot back to its full frame at most. The recorder starts
#: a full frame every few dozen screenshots; a longer chain, or a cycle in an imported
#: file, is not followed forever.
MAX_CHAIN = 1000

#: The screenshot asked for (depth 0) and its bases, the full frame last.
CHAIN_SQL = """
WITH RECURSIVE chain AS (
    SELECT screenshot_id, base_id, tile_x, tile_y, format, image, 0 AS depth
      FROM screenshots WHERE screenshot_id = ?
    UNION ALL
    SELECT s.screenshot_id, s.base_id, s.tile_x, s.tile_y, s.format, s.image, c.depth + 1
      FROM screenshots s JOIN chain c ON s.screenshot_id = c.base_id
     WHERE c.depth < ?
)
SELECT base_id, tile_x, tile_y, format, image FROM chain ORDER BY depth DESC
"""


def full_frame(chain: list[tuple]) -> tuple[str, bytes] | None:
    """The format and bytes of the full screen that the last row of ``chain`` shows.

    ``chain`` holds (base_id, tile_x, tile_y, format, image) rows, the full frame first
    (`CHAIN_SQL`'s order). A full frame is returned as stored; a change is pasted onto
    its bases and the result encoded as PNG, which keeps the pixels as they were stored.
    None when there is nothing to show: no such screenshot, a chain that never reaches a
    full frame (its base is missing, or it loops), or an image that does not decode.
    """
    if not chain or chain[0][0] is not None:
        return None
    if len(chain) == 1:
        return chain[0][3], bytes(chain[0][4])
    try:
        frame = _decoded(chain[0][4])
        for _, x, y, _, image in chain[1:]:
            frame.paste(_decoded(image), (x or 0, y or 0))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.warning("a stored screenshot does not decode: %s", exc)
        return None
    out = io.BytesIO()
    frame.save(out, "PNG", compress_level=1)
    return "png", out.getvalue()


def _decoded(image: bytes) -> Image.Image:
    with Image.open(io.BytesIO(image)) as opened:
        return opened.convert("RGB")
