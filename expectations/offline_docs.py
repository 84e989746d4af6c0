"""Make a built GX Data Docs site self-contained: no CSS, JavaScript, font or image from a CDN.

GX 1.x templates link Bootstrap, jQuery, Font Awesome, Vega... from CDNs, so a site opened
offline (or behind a ministry's firewall) renders as bare text. UBR ships those exact files
(`data_docs_assets/`, fetched with `npm pack`, licences beside them, listed in its
`manifest.json`); this copies them into the site and points every page at the copy by a
relative path, so the site can be moved or zipped whole.
"""

import json
import logging
import os
import re
import shutil
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).parent / "data_docs_assets"
VENDOR_DIR = "static/vendor"  # where the assets go inside a site
# GX's own images: GX copies them into every site's static/images but links them from S3.
GX_IMAGES = {
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png":
        "static/images/logo-long.png",
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/full_logo_dark.png":
        "static/images/logo-long.png",
}
# a script (with its empty body), a link or an image tag
_TAG = re.compile(r"<script\b[^>]*>\s*</script>|<link\b[^>]*>|<img\b[^>]*>", re.IGNORECASE)
_IMG = re.compile(r"<img\b", re.IGNORECASE)
_REMOTE_ATTR = re.compile(r"""\s(src|href)=(["'])(https?://[^"']*)\2""", re.IGNORECASE)
_LOCAL_STATIC = re.compile(r"""\s(src|href)=(["'])((?:\.\./|\./)*static/[^"'#?]*)\2""",
                           re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(["']?)(https?://[^"')]*)\1\s*\)""", re.IGNORECASE)
# Subresource integrity and CORS mode make browsers refuse a file:// copy.
_CDN_ONLY_ATTR = re.compile(r"""\s(integrity|crossorigin)(=(["'])[^"']*\3)?""", re.IGNORECASE)


@cache
def remote_to_site_path() -> dict[str, str]:
    """CDN address -> path of the local copy inside a site."""
    manifest = json.loads((ASSETS_DIR / "manifest.json").read_text(encoding="utf-8"))
    paths = {a["url"]: f"{VENDOR_DIR}/{a['local']}" for a in manifest["assets"] if a["url"]}
    return {**paths, **GX_IMAGES}


def _local(url: str) -> str | None:
    """The site path for `url`, ignoring a cache-busting query (`logo-long.png?d=...`)."""
    paths = remote_to_site_path()
    return paths.get(url) or paths.get(url.split("?", 1)[0])


def _relative(site_path: str, page: Path, site_dir: Path) -> str:
    return Path(os.path.relpath(site_dir / site_path, page.parent)).as_posix()


def _repair_static(tag: str, page: Path, site_dir: Path) -> str:
    """GX links a validation page's favicon one level short; point it at the site's static/."""
    local = _LOCAL_STATIC.search(tag)
    if local is None or (page.parent / local.group(3)).exists():
        return tag
    site_path = local.group(3)[local.group(3).index("static/"):]
    if not (site_dir / site_path).exists():
        return tag
    quote = local.group(2)
    return tag.replace(local.group(0), f" {local.group(1)}={quote}"
                       f"{_relative(site_path, page, site_dir)}{quote}")


def _rewrite_tag(tag: str, page: Path, site_dir: Path) -> str:
    remote = _REMOTE_ATTR.search(tag)
    if remote is None:
        return _repair_static(tag, page, site_dir)
    local = _local(remote.group(3))
    if local is None:
        if _IMG.match(tag):
            return tag  # an image is no script, style or font; none is linked today
        log.warning("Data Docs: dropped a reference to %s (no local copy shipped)",
                    remote.group(3))
        return ""
    quote = remote.group(2)
    tag = tag.replace(remote.group(0),
                      f" {remote.group(1)}={quote}{_relative(local, page, site_dir)}{quote}")
    return _CDN_ONLY_ATTR.sub("", tag)


def _rewrite_css_url(match: re.Match[str], page: Path, site_dir: Path) -> str:
    local = _local(match.group(2))
    if local is None:
        log.warning("Data Docs: dropped a style reference to %s (no local copy shipped)",
                    match.group(2))
        return "none"
    return f"url('{_relative(local, page, site_dir)}')"


def rewrite_file(path: Path, site_dir: Path) -> bool:
    """Point one page or stylesheet at the local copies; True when it changed."""
    text = path.read_text(encoding="utf-8")
    new = _CSS_URL.sub(lambda m: _rewrite_css_url(m, path, site_dir), text)
    if path.suffix == ".html":
        new = _TAG.sub(lambda m: _rewrite_tag(m.group(0), path, site_dir), new)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def make_offline(site_dir: Path) -> None:
    """Copy the shipped assets into `site_dir` and rewrite its pages and stylesheets."""
    vendor = site_dir / VENDOR_DIR
    shutil.copytree(ASSETS_DIR, vendor, dirs_exist_ok=True, copy_function=shutil.copyfile)
    # copytree copies the package's modes (0644, 0755): what UBR writes is owner-only
    for copied in (vendor, *vendor.rglob("*")):
        copied.chmod(0o700 if copied.is_dir() else 0o600)
    for path in sorted(site_dir.rglob("*")):
        if path.suffix in (".html", ".css") and not path.is_relative_to(site_dir / VENDOR_DIR):
            rewrite_file(path, site_dir)
