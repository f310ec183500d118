"""Photo evidence for documents: upright, downscaled JPEG thumbnails cached by content hash.

A photo in the evidence store is decoded once with Pillow, turned upright by its EXIF
orientation (``ImageOps.exif_transpose``: phones store portrait shots sideways and
say so in EXIF), downscaled to at most :data:`MAX_SIDE` pixels and saved as a JPEG
in ``<db stem>-evidence/.thumbs/<sha256>-<size>.jpg``. The store's files are named by
their SHA-256, so the cache key is the content itself: a warm report reads the small
thumbnails and decodes nothing. HEIC/HEIF photos (iPhones) are decoded by pillow-heif,
whose opener is registered with Pillow here, when a document first needs a photo decoded
(never on the recording path); it applies the photo's own rotation and leaves EXIF saying
"upright", so the same ``exif_transpose`` serves every format. A file Pillow cannot decode
(damaged, a PDF named .jpg) yields ``None`` and a ``.bad`` marker, so the report lists it as
a file instead of embedding it, and later runs do not try again; the marker's name says
which decoders failed (``<sha256>-heif.bad``), so a marker left before HEIC could be read,
or while pillow-heif was missing, does not stop a later try.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from nitet_cli.evidence_store import THUMBS, stored_path
from nitet_cli.files import atomic_write
from nitet_cli.paths import evidence_dir

MAX_SIDE = 800  # pixels: ~270 dpi at the 7.5 cm a photo takes in the appendix
QUALITY = 80
_heif: bool | None = None  # pillow-heif registered with Pillow (None: not tried yet)


@dataclass(frozen=True)
class Thumbnail:
    path: Path
    width: int  # pixels
    height: int

    def fit(self, max_width: float, max_height: float) -> tuple[float, float]:
        """The largest (width, height) within the box that keeps the photo's proportions."""
        scale = min(max_width / self.width, max_height / self.height)
        return self.width * scale, self.height * scale


def thumbs_dir(db_path: Path) -> Path:
    return evidence_dir(db_path) / THUMBS


def _cached(path: Path) -> Thumbnail | None:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return Thumbnail(path, image.width, image.height)
    except Exception:  # a damaged cache file: rebuild it
        return None


def heif_support() -> bool:
    """Register pillow-heif's HEIC/HEIF opener with Pillow (once); False when it is not installed."""
    global _heif
    if _heif is None:
        try:
            from pillow_heif import register_heif_opener
        except ImportError:  # pragma: no cover - a dependency; without it HEIC photos are listed as files
            _heif = False
        else:
            register_heif_opener()
            _heif = True
    return _heif


def thumbnail(db_path: Path, sha256: str, *, max_side: int = MAX_SIDE) -> Thumbnail | None:
    """The cached thumbnail of stored file ``sha256``; None when it is not a decodable image."""
    cache = thumbs_dir(db_path)
    target = cache / f"{sha256}-{max_side}.jpg"
    bad = cache / f"{sha256}-{'heif' if heif_support() else 'base'}.bad"
    if target.exists():
        found = _cached(target)
        if found is not None:
            return found
    if bad.exists():
        return None
    source = stored_path(db_path, sha256)
    if not source.is_file():
        return None
    cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    image = _decode(source, max_side)
    if image is None:
        bad.touch()
        return None
    # A cache inside the store (db=None: nothing to guard), rebuilt if lost, so not fsynced.
    # Two reports at once may both write it: same bytes, last rename wins.
    atomic_write(target, lambda tmp: image.save(tmp, "JPEG", quality=QUALITY, optimize=True), db=None, sync=False)
    return Thumbnail(target, image.width, image.height)


def _decode(source: Path, max_side: int):
    """The upright, downscaled RGB image, or None when Pillow cannot read it."""
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                # JPEG can decode at 1/2, 1/4, 1/8 scale directly: far less work for phone photos.
                image.draft("RGB", (max_side, max_side))
                upright = ImageOps.exif_transpose(image)
                upright.load()
        if upright.mode not in ("RGB", "L"):
            if upright.mode in ("RGBA", "LA", "P", "PA"):
                rgba = upright.convert("RGBA")
                background = Image.new("RGB", rgba.size, "white")
                background.paste(rgba, mask=rgba.getchannel("A"))
                upright = background
            else:
                upright = upright.convert("RGB")
        upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return upright
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError, DecompressionBomb*, … for bad files
        return None
