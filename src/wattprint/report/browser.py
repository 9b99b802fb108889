"""Headless Chromium for PDF output (and the browser tests): find it, run it safely.

Flags: ``--no-sandbox`` (needed as root in containers), no
GPU, no background networking, component updates, sync or first-run work, and a fresh
``--user-data-dir`` per call so no profile state leaks between runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from wattprint.errors import UnsupportedError

#: Executable names tried in order (``WATTPRINT_CHROMIUM`` overrides).
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage")


def find_chromium() -> str | None:
    """Path of a Chromium-family browser, or None."""
    env = os.environ.get("WATTPRINT_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout_s: float = 120.0) -> Path:
    """Print an HTML file to PDF with headless Chromium (A4, backgrounds on).

    Raises:
        UnsupportedError: no Chromium, or it failed.
    """
    exe = find_chromium()
    if exe is None:
        raise UnsupportedError("PDF output needs Chromium (apt-get install chromium, or set "
                               "WATTPRINT_CHROMIUM); the HTML report works without it")
    with tempfile.TemporaryDirectory(prefix="wattprint-chromium-") as prof:
        cmd = [exe, *FLAGS, f"--user-data-dir={prof}", "--no-pdf-header-footer",
               "--run-all-compositor-stages-before-draw", "--virtual-time-budget=15000",
               f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UnsupportedError(f"Chromium failed to print the PDF: {exc}") from exc
    if proc.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise UnsupportedError(f"Chromium failed to print the PDF (exit {proc.returncode}): "
                               f"{tail[0]}")
    return pdf_path
