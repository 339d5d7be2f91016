"""Static files under content-hashed names: `static_url("app.js")` is `/static/app.<hash>.js`, kept a year.
(Served by app/shell.py's HashedStaticFiles; this module is only the names, so templates and services may use it.)

The hash is of the file's bytes, computed once when the process first asks (a deploy restarts the process, so a
changed file gets a new name and phones fetch it; an unchanged one stays in their cache). What /static/ answers:
- the current hashed name: the file, `public, max-age=31536000, immutable`;
- an old hash of a file that still exists (a page drawn before a deploy: an open tab, the back/forward cache, the
  service worker's offline page): the current file with `no-cache` — that page still gets its styles and scripts,
  and no cache keeps today's bytes under yesterday's name for a year; 404 would leave it unstyled and broken;
- a plain name (`/static/app.js`, what the manifest, the favicon redirect and old bookmarks use): the file, cached
  for a short while;
- anything else: 404.
"""

import hashlib
import re
from functools import cache
from pathlib import Path

from app.config import STATIC_DIR

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
HASH_LENGTH = 12
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")


@cache
def static_hashes(directory: Path = STATIC_DIR) -> dict[str, str]:
    """Every file under `directory` (its path relative to it, with /) → the first characters of its SHA-256."""
    return {path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
            for path in sorted(directory.rglob("*")) if path.is_file()}


def hashed_name(name: str) -> str:
    """`app.js` → `app.<hash>.js`; a name that is not a static file is returned as it is (and will answer 404)."""
    digest = static_hashes().get(name)
    if digest is None:
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot and stem and "/" not in ext else name


def static_url(name: str) -> str:
    """The address of a file in static/ that browsers may keep for a year: its name carries its content's hash."""
    return f"/static/{hashed_name(name)}"


def static_version() -> str:
    """One hash over every static file's: it changes whenever any of them does (the service worker's cache name)."""
    joined = "".join(f"{name}:{digest};" for name, digest in static_hashes().items())
    return hashlib.sha256(joined.encode()).hexdigest()[:HASH_LENGTH]


def unhash(path: str) -> tuple[str, str | None]:
    """`app.<hash>.js` → (`app.js`, hash); a plain name → (name, None)."""
    match = _HASHED.match(path)
    if match is None:
        return path, None
    return match["stem"] + match["ext"], match["hash"]
