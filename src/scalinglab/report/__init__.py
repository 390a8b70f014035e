"""Reports: figures (matplotlib PNG/SVG), an interactive inline-SVG figure, and one self-contained HTML page.

``build_report`` / ``write_report`` make the page, ``write_figures`` the image files, and
``render_fit_html`` the notebook view behind ``FitResult._repr_html_``. matplotlib is imported only
when a figure is drawn.
"""

from scalinglab.report.build import build_report, report_figures, write_figures, write_report
from scalinglab.report.html import render_fit_html

__all__ = ["build_report", "render_fit_html", "report_figures", "write_figures", "write_report"]
