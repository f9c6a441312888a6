"""Time and peak memory to import a 200 MB module package of 500 files.

Run: .venv/bin/python bench/import_package.py [--mb 200] [--files 500]
Builds the package in a temporary folder (incompressible media, as real video and
textures are), imports it through the same service the upload page uses, into a fresh
SQLite database, and prints a Markdown table; the figures go to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build_package(path: Path, total_mb: int, files: int) -> None:
    per_file = total_mb * 1024 * 1024 // (files - 2)
    lines = ["format: kakehashi-module/1", "key: bench-big", "title: {en: Big module}", "items:",
             "  - key: intro", "    kind: page", "    title: Intro", "    file: intro.md"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("intro.md", "# Intro\n")
        for n in range(files - 2):
            name = f"media/asset-{n:04d}.bin"
            with archive.open(name, "w") as out:
                remaining = per_file
                while remaining:
                    chunk = os.urandom(min(remaining, 1024 * 1024))
                    out.write(chunk)
                    remaining -= len(chunk)
            lines += [f"  - key: asset-{n:04d}", "    kind: asset", f"    title: Asset {n}",
                      f"    file: {name}", "    required: false"]
        archive.writestr("module.yaml", "\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--files", type=int, default=500)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from lms import create_app
    from lms.authoring import services
    from lms.extensions import db
    from tests.factories import make_course

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        package = tmp / "big.zip"
        build_package(package, args.mb, args.files)
        package_mb = package.stat().st_size / 1024**2
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db",
                          "MEDIA_ROOT": str(tmp / "media"),
                          "PACKAGE_MAX_UPLOAD_BYTES": 4 * 1024**3})
        with app.app_context():
            upgrade()
            course = make_course("BENCH")
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            with package.open("rb") as fh:
                result = services.import_package(course, fh, "big.zip")
            seconds = time.perf_counter() - started
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            items = len(result.version.items)
            db.session.remove()
    figures = {
        "package_mb": round(package_mb, 1), "files": args.files, "items": items,
        "seconds": round(seconds, 2), "peak_rss_mb": round(rss_after / 1024, 1),
        "rss_before_mb": round(rss_before / 1024, 1),
    }
    out = Path(__file__).parent / "results" / "import_package.json"
    out.write_text(json.dumps(figures, indent=2))
    print("| package | files | items | seconds | peak RSS (MB) |")
    print("|---|---|---|---|---|")
    print(f"| {figures['package_mb']} MB | {args.files} | {items} | {figures['seconds']} | "
          f"{figures['peak_rss_mb']} (before import: {figures['rss_before_mb']}) |")


if __name__ == "__main__":
    main()
