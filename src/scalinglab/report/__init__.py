"""Reports: figures (matplotlib PNG/SVG), an interactive inline-SVG figure, and one self-contained HTML page.

``build_report`` / ``write_report`` make the page, ``write_figures`` the image files, and
``render_fit_html`` the notebook view behind ``FitResult._repr_html_``. matplotlib is imported only
when a figure is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scalinglab.lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and the API docs
    from scalinglab.report.build import build_report, make_report, report_figures, write_figures, write_report
    from scalinglab.report.figures import save_curve_evaluation
    from scalinglab.report.html import render_fit_html
    from scalinglab.report.outputs import check_outputs, check_plot_path
    from scalinglab.report.skill_figures import (
        save_density_study,
        save_family_prediction,
        save_skills_evaluation,
    )
    from scalinglab.report.test_time_figures import TEST_TIME_FORMATS, coverage_figure, frontier_figure


__getattr__, __dir__ = lazy_exports(__name__, {
    "build": "build_report make_report report_figures write_figures write_report", "html": "render_fit_html",
    "figures": "save_curve_evaluation", "outputs": "check_outputs check_plot_path",
    "skill_figures": "save_density_study save_family_prediction save_skills_evaluation",
    "test_time_figures": "TEST_TIME_FORMATS coverage_figure frontier_figure"})
__all__ = ["TEST_TIME_FORMATS", "build_report", "check_outputs", "check_plot_path", "coverage_figure",
           "frontier_figure", "make_report", "render_fit_html", "report_figures", "save_curve_evaluation",
           "save_density_study", "save_family_prediction", "save_skills_evaluation", "write_figures", "write_report"]
