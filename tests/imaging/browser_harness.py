"""Run site_src's pdq.js and image-index.js in headless Chromium on given images.

A throw-away HTTP server on 127.0.0.1 (an ephemeral port) serves the page, the modules,
the images and optionally an image index; the page POSTs its results back. Chromium is
started and stopped here, with its own temporary profile.
"""

from __future__ import annotations

import functools
import http.server
import json
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
JS = HERE.parents[1] / "site_src" / "assets" / "js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run_in_chromium(
    images: dict[str, bytes],
    *,
    index: dict[str, bytes] | None = None,
    max_side: int | None = None,
    timeout: float = 120,
) -> list[dict[str, Any]]:
    """Per image, in order: name, sha256, hex, quality, ms (decode + PDQ), found (look-up).

    With ``max_side``, larger images are scaled down while decoding (createImageBitmap's
    resize options), the browser's counterpart of reduced-size JPEG decoding.
    """
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "www"
        for src in (HERE / "browser" / "page.html", HERE / "browser" / "run.js"):
            _put(root / src.name, src.read_bytes())
        for name in ("pdq.js", "image-index.js"):
            _put(root / name, (JS / name).read_bytes())
        for name, data in images.items():
            _put(root / "images" / name, data)
        for rel, data in (index or {}).items():
            _put(root / "index" / rel, data)
        _put(
            root / "job.json",
            json.dumps(
                {"images": list(images), "index": bool(index), "maxSide": max_side}
            ).encode(),
        )
        results: queue.Queue[bytes] = queue.Queue()

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                results.put(self.rfile.read(length))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        browser = subprocess.Popen(
            [
                CHROMIUM,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                f"--user-data-dir={Path(tmp) / 'profile'}",
                f"http://127.0.0.1:{server.server_port}/page.html",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            report = json.loads(results.get(timeout=timeout))
        finally:
            browser.terminate()
            try:
                browser.wait(10)
            except subprocess.TimeoutExpired:
                browser.kill()
            server.shutdown()
            server.server_close()
    if "error" in report:
        raise RuntimeError(f"page failed: {report['error']}")
    out: list[dict[str, Any]] = report["results"]
    return out


def _put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
