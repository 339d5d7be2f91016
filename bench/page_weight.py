"""What a first visit costs over the wire: each page's HTML plus every asset it references, gzip-compressed.

    .venv/bin/python bench/page_weight.py

Target (issue #2): the villager home at most 60 KB, all assets included.
"""

import gzip
import re
import sys
import tempfile
import warnings
from pathlib import Path

from sqlmodel import SQLModel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", message=".*httpx.*")

from fastapi.testclient import TestClient  # noqa: E402

import app.models  # noqa: E402,F401
from app.config import Settings  # noqa: E402
from app.db import make_engine, session_for  # noqa: E402
from app.demo import seed_demo_world  # noqa: E402
from app.main import create_app  # noqa: E402

PAGES = [("villager", "13800000004", "/"), ("villager", "13800000004", "/pay"),
         ("villager", "13800000004", "/shop"), ("attendant", "13800000002", "/counter"),
         ("official", "13800000001", "/admin/households")]
ASSET = re.compile(r'(?:src|href)="(/(?:static|manifest|media)[^"]*)"')


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6))


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    engine = make_engine(f"sqlite:///{tmp / 'weight.db'}")
    SQLModel.metadata.create_all(engine)
    with session_for(engine, write=True) as s:
        seed_demo_world(s)
        s.commit()
    app = create_app(Settings(database_url=str(engine.url), secret_key="w" * 40), engine=engine)
    print(f"{'page':<22}{'html':>8}{'assets':>9}{'total KB':>10}  assets (gzip bytes)")
    for who, phone, path in PAGES:
        with TestClient(app) as client:
            client.post("/login", data={"phone": phone, "password": "demo1234"})
            html = client.get(path).content
            assets = {url: gz(client.get(url).content) for url in sorted(set(ASSET.findall(html.decode())))}
        total = gz(html) + sum(assets.values())
        listed = ", ".join(f"{u.rsplit('/', 1)[-1]} {n}" for u, n in assets.items())
        print(f"{who + ' ' + path:<22}{gz(html):>8}{sum(assets.values()):>9}{total / 1024:>10.1f}  {listed}")
    print("jsQR (loaded by the counter only where the browser has no BarcodeDetector): "
          f"{gz((Path(__file__).resolve().parent.parent / 'static' / 'jsqr-1.4.0.min.js').read_bytes())} bytes gzip")


if __name__ == "__main__":
    main()
