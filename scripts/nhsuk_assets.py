"""Vendor the NHS.UK frontend into ``static/vendor/nhsuk-frontend/`` from its npm package.

Flagpost serves the NHS.UK frontend's compiled CSS and JavaScript as its own static files: no
CDN, nothing loaded from another origin, so the Content-Security-Policy stays ``'self'``.

To update it (say to 10.7.0)::

    npm pack nhsuk-frontend@10.7.0            # writes nhsuk-frontend-10.7.0.tgz
    make nhsuk-assets NHSUK_TGZ=nhsuk-frontend-10.7.0.tgz
    DEBUG=false .venv/bin/python manage.py collectstatic --noinput   # must succeed
    git add static/vendor/nhsuk-frontend && git commit

then read the package's CHANGELOG for renamed classes and check the pages (the browser tests
and the reflow test). The script takes the package tarball (``npm pack`` output) and writes:

* ``nhsuk-frontend.min.css``: the package's minified CSS, rewritten for this app. The CSS
  names its images as ``url(/assets/images/…)``, an absolute path on NHS.UK's own site; here
  they become ``url(images/…)``, relative to the CSS file, which is what Django's
  ManifestStaticFilesStorage can hash (collectstatic fails on an absolute url it cannot find).
  The Frutiger ``@font-face`` rules load the font from assets.nhs.uk, another origin the CSP
  refuses, and the font is licensed to NHS.UK only; they are removed, and the font stack falls
  back to Arial, as NHS.UK's own CSS does when Frutiger is missing.
* ``nhsuk-frontend.min.js``: the package's minified JavaScript, unchanged. It is an ES module
  (it ends in ``export{…}`` and runs nothing itself), so pages load it with ``type="module"``
  through ``static/js/nhsuk-init.js``, which calls ``initAll()``.
* ``images/``: the images the CSS uses, and the favicons.
* ``LICENCE``: the MIT licence the package is released under, and ``VERSION``.

Run from the project root: ``.venv/bin/python scripts/nhsuk_assets.py PATH_TO_TGZ``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "static" / "vendor" / "nhsuk-frontend"
DIST = "package/dist/nhsuk/"
# The favicons are not named by the CSS; the base template links them.
EXTRA_IMAGES = ("favicon.ico", "favicon.svg", "nhsuk-icon-180.png")

FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
ASSET_URL = re.compile(r"url\((['\"]?)/assets/images/([A-Za-z0-9._-]+)\1\)")
ANY_URL = re.compile(r"url\(([^)]*)\)")

LICENCE = """The MIT License (MIT)

Copyright (c) {holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.

This directory holds files from the npm package {name} {version}
({homepage}), vendored by scripts/nhsuk_assets.py: the CSS has its image
urls made relative and its Frutiger @font-face rules removed.
"""
# The package's README: "NHS.UK frontend is maintained by NHS England", and its MIT licence
# names NHS England as the holder; package.json has no author field to read it from.
COPYRIGHT_HOLDER = "NHS England"


def rewrite_css(css: str) -> str:
    """The package CSS with image urls relative to it and no web font from another origin."""
    css = FONT_FACE.sub("", css)
    css = ASSET_URL.sub(r"url(images/\2)", css)
    leftover = [u for u in ANY_URL.findall(css) if not u.strip("'\"").startswith("images/")]
    if leftover:
        raise SystemExit(f"the CSS names urls this script does not handle: {sorted(set(leftover))}")
    return css


def vendor(tgz: Path, target: Path = TARGET) -> list[str]:
    with tarfile.open(tgz) as tar:

        def read(name: str) -> bytes:
            member = tar.extractfile(name)
            if member is None:
                raise SystemExit(f"{name} is missing from {tgz}")
            return member.read()

        package = json.loads(read("package/package.json"))
        if package.get("name") != "nhsuk-frontend" or package.get("license") != "MIT":
            raise SystemExit(f"{tgz} is not the MIT-licensed nhsuk-frontend package")
        css = rewrite_css(read(DIST + "nhsuk-frontend.min.css").decode())
        js = read(DIST + "nhsuk-frontend.min.js").decode()
        # The source map comments point at files not vendored; browsers would ask for them.
        css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/\s*$", "", css)
        js = re.sub(r"//# sourceMappingURL=\S*\s*$", "", js)
        images = sorted(
            set(re.findall(r"url\(images/([A-Za-z0-9._-]+)\)", css)) | set(EXTRA_IMAGES)
        )

        if target.exists():
            shutil.rmtree(target)
        (target / "images").mkdir(parents=True)
        (target / "nhsuk-frontend.min.css").write_text(css.rstrip() + "\n")
        (target / "nhsuk-frontend.min.js").write_text(js.rstrip() + "\n")
        for image in images:
            (target / "images" / image).write_bytes(read(DIST + "assets/images/" + image))
        (target / "VERSION").write_text(package["version"] + "\n")
        (target / "LICENCE").write_text(
            LICENCE.format(
                holder=COPYRIGHT_HOLDER,
                name=package["name"],
                version=package["version"],
                homepage=package.get("homepage", ""),
            )
        )
    return images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "tgz", type=Path, help="the npm package tarball (npm pack nhsuk-frontend@X)"
    )
    args = parser.parse_args()
    images = vendor(args.tgz)
    print(f"wrote {TARGET.relative_to(ROOT)}: CSS, JS, {len(images)} images, LICENCE")


if __name__ == "__main__":
    main()
