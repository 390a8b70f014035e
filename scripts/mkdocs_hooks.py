"""MkDocs hook (mkdocs.yml `hooks:`): fills docs/cli.md's marker with the CLI reference generated from the
typer app at build time (scalinglab.cli.reference), so the page cannot go stale."""

from __future__ import annotations

MARKER = "<!-- cli-reference -->"


def on_page_markdown(markdown, page, config, files):  # noqa: ARG001 (the hook's signature)
    if page.file.src_uri != "cli.md":
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"docs/cli.md lost its {MARKER} marker")
    from scalinglab.cli.reference import cli_reference_markdown

    return markdown.replace(MARKER, cli_reference_markdown())
