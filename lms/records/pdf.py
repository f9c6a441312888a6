"""HTML/CSS to PDF with WeasyPrint, fonts embedded from local files.

IPAex (Debian fonts-ipaexfont) sets Japanese; DejaVu sets Latin, Uzbek oʻ/gʻ/ʼ and
Cyrillic. The fonts are declared with @font-face pointing at the files, so a document
never depends on what fontconfig happens to pick, and every glyph comes from a font that
is embedded (subset) in the PDF.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.core.errors import LmsError

DEFAULT_FONTS = {
    # family name used in the stylesheets -> (regular file, bold file)
    "IPAexMincho": ("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
                         "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
    "IPAexGothic": ("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
                         "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    "DejaVu Sans": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                       "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    "DejaVu Serif": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
                        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"),
}


class PdfError(LmsError):
    status = 500
    code = "pdf_failed"


def fonts() -> dict[str, tuple[str, str]]:
    return {**DEFAULT_FONTS, **(current_app.config.get("RECORDS_FONTS") or {})}


def font_faces() -> str:
    """@font-face rules for every family; a missing file is an error a person can fix."""
    rules = []
    for family, (regular, bold) in fonts().items():
        for path, weight in ((regular, "normal"), (bold, "bold")):
            if not Path(path).is_file():
                raise PdfError(_("The font file %(path)s is missing. Install the Debian "
                                 "packages fonts-ipaexfont and fonts-dejavu-core, or set "
                                 "RECORDS_FONTS.", path=path))
            rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                         f'src: url("{Path(path).as_uri()}"); }}')
    return "\n".join(rules)


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (vector: sharp at any print size)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=1)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def render_pdf(template: str, *, locale: str, stylesheet: str = "records/pdf/document.css",
               **context) -> bytes:
    """Render ``template`` under ``locale`` (labels in the document's own language) and
    return PDF bytes. Callers may pass ``_`` in the context to label in two languages."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    started = time.perf_counter()
    with force_locale(locale):
        html = render_template(template, **context)
        css = render_template(stylesheet, font_faces=font_faces())
    font_config = FontConfiguration()
    document = HTML(string=html, base_url=str(Path(current_app.root_path)))
    data = document.write_pdf(stylesheets=[CSS(string=css, font_config=font_config)],
                              font_config=font_config)
    current_app.logger.info("rendered %s in %.2f s (%d bytes)", template,
                            time.perf_counter() - started, len(data))
    return data
