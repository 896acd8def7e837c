"""Pictures checked before anything decodes them, and made safe to put in a PDF.

``image_decode`` is the one check every picture passes, at intake and again
before it is drawn: the size is read from the header and refused before any
pixel is decoded, so a small file that claims enormous dimensions (a
"decompression bomb") never takes the process's memory; then every pixel is
decoded, so a truncated or forged file fails here, where it can be reported,
and not midway through building a PDF.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image as PILImage
from PIL import ImageOps
from reportlab.platypus import Image

from documents.fonts import FONT_REGULAR
from documents.page import RULE_GREY

# A PDF shows no picture bigger than this: decoding it would cost more memory than
# a render may take. Intake's own limits (settings.EVIDENCE_MAX_IMAGE_*) are lower.
MAX_IMAGE_PIXELS = 40_000_000
# Screenshot pixels are drawn at 96 dpi, the size they had on screen, unless
# that is larger than the space on the page.
POINTS_PER_PIXEL = 72 / 96


class ImageRefused(Exception):
    """Why a picture can't be used; ``str()`` says so in words a reader can follow.

    ``reason`` is, from the checks here, ``"no_size"``, ``"pixels"`` (``size`` is then
    what the header claims), ``"bomb"`` (too large for Pillow even to say) or
    ``"unreadable"``; a document may refuse a picture for reasons of its own.
    """

    def __init__(self, message: str, *, reason: str, size: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.size = size


def image_decode(
    stream: IO[bytes],
    *,
    max_pixels: int = MAX_IMAGE_PIXELS,
    max_side: int | None = None,
    formats: list[str] | None = None,
) -> PILImage.Image:
    """Open a picture, check its size from the header, then decode every pixel.

    Raises ImageRefused for anything that is not a picture within the limits.
    """
    # Pillow warns, then refuses, far above our own limit; either means too many pixels.
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        picture: PILImage.Image | None = None
        try:
            picture = PILImage.open(stream, formats=formats)
            width, height = picture.size
            if width <= 0 or height <= 0:
                raise ImageRefused("the image has no size", reason="no_size", size=(width, height))
            if width * height > max_pixels or (
                max_side is not None and (width > max_side or height > max_side)
            ):
                raise ImageRefused(
                    f"the image is too large to show ({width}×{height} pixels)",
                    reason="pixels",
                    size=(width, height),
                )
            picture.load()
            return picture
        except Exception as error:
            if picture is not None:
                picture.close()
            if isinstance(error, ImageRefused):
                raise
            if isinstance(
                error, PILImage.DecompressionBombError | PILImage.DecompressionBombWarning
            ):
                raise ImageRefused("the image is too large to show", reason="bomb") from None
            # Pillow's decoders fail in many ways on damaged or forged files.
            raise ImageRefused(
                "the file is not an image that could be decoded", reason="unreadable"
            ) from None


@dataclass(frozen=True)
class PdfReadyImage:
    content: bytes
    width: int  # pixels
    height: int


def image_for_pdf(raw: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS) -> PdfReadyImage:
    """A checked picture as bytes reportlab can embed reliably, with its pixel size.

    Common cases pass the original bytes through untouched (JPEG is embedded as is,
    so the PDF stays small); anything unusual - alpha, palettes, 16-bit, CMYK, EXIF
    rotation - is normalised to plain RGB first so reportlab draws it reliably.
    """
    img = image_decode(io.BytesIO(raw), max_pixels=max_pixels)
    try:
        width, height = img.size
        source_format = img.format
        orientation = img.getexif().get(0x0112, 1)
        if orientation == 1 and (
            (source_format == "JPEG" and img.mode in ("RGB", "L"))
            or (
                source_format == "PNG"
                and img.mode in ("RGB", "L")
                and "transparency" not in img.info
            )
        ):
            return PdfReadyImage(raw, width, height)
        normalised = ImageOps.exif_transpose(img) if orientation != 1 else img
        normalised = _flatten_to_rgb(normalised)
        out = io.BytesIO()
        if source_format == "JPEG":
            normalised.save(out, format="JPEG", quality=92)
        else:
            normalised.save(out, format="PNG", compress_level=3)
        return PdfReadyImage(out.getvalue(), normalised.size[0], normalised.size[1])
    except Exception as error:  # any failure means "not shown", never a failed document
        raise ImageRefused(
            "the file is not an image that could be decoded", reason="unreadable"
        ) from error
    finally:
        img.close()


def _flatten_to_rgb(img: Any) -> Any:
    """RGB with any transparency composited onto white, as it looked on a light screen."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = PILImage.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale down to 8 bits rather than clip everything to white.
        return img.point(lambda v: v / 256).convert("L").convert("RGB")
    return img.convert("RGB")


class _SafeImage(Image):
    """An embedded image that can still never stop the document being produced.

    The bytes were fully decoded beforehand with the same decoder reportlab uses,
    so this fallback should never fire; if it does, the reader sees a note in
    place of the picture instead of nobody getting the document at all.
    """

    def draw(self) -> None:
        try:
            super().draw()
        except Exception:  # noqa: BLE001 - see class docstring
            self.canv.saveState()
            self.canv.setStrokeColor(RULE_GREY)
            self.canv.rect(0, 0, self.drawWidth, self.drawHeight)
            self.canv.setFont(FONT_REGULAR, 9)
            self.canv.drawString(6, self.drawHeight - 14, "This image could not be shown.")
            self.canv.restoreState()


def pdf_image(raw: bytes, *, max_width: float, max_height: float) -> Image:
    """A flowable of the picture, at screen size or smaller to fit; ImageRefused if it can't be."""
    prepared = image_for_pdf(raw)
    scale = min(POINTS_PER_PIXEL, max_width / prepared.width, max_height / prepared.height)
    try:
        return _SafeImage(
            io.BytesIO(prepared.content),
            width=prepared.width * scale,
            height=prepared.height * scale,
        )
    except Exception as exc:  # reportlab's own reader refused what Pillow accepted
        raise ImageRefused("the image could not be read for the PDF", reason="unreadable") from exc
