"""MkDocs hook (mkdocs.yml `hooks:`): fills docs/cli.md's marker with the CLI reference generated from the
typer app at build time, so the page cannot go stale.

:func:`cli_reference_markdown` walks ``typer.main.get_command(app)`` (duck-typed: typer carries its own copy
of click): every visible command and group, its help, usage line, arguments and options (hidden options,
such as old names kept as aliases, are left out). Docs tooling, not part of the CLI.
"""

from __future__ import annotations

import re
from typing import Any

MARKER = "<!-- cli-reference -->"


def on_page_markdown(markdown, page, config, files):  # noqa: ARG001 (the hook's signature)
    if page.file.src_uri != "cli.md":
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"docs/cli.md lost its {MARKER} marker")
    return markdown.replace(MARKER, cli_reference_markdown())

_MARKUP = re.compile(r"\[/?(?:bold|dim|italic|underline|red|green|yellow|blue|magenta|cyan|white|b|i)\]")


def _plain(text: str | None) -> str:
    """Help text without rich markup, ``\\b`` paragraph markers or trailing blanks."""
    if not text:
        return ""
    text = _MARKUP.sub("", text).replace("\b", "")
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _cell(text: str) -> str:
    """Text for one Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _option_row(param: Any, ctx: Any) -> tuple[str, str] | None:
    if param.param_type_name == "option":
        if param.hidden:
            return None
        record = param.get_help_record(ctx)
        if record is None:
            return None
        names, help_text = record
        return names, help_text
    return None


def _argument_row(param: Any) -> tuple[str, str] | None:
    if param.param_type_name != "argument" or getattr(param, "hidden", False):
        return None
    name = (param.name or "").upper()
    help_text = _plain(getattr(param, "help", None) or "")
    if not param.required:
        help_text = (help_text + " (optional)").strip()
    return name, help_text


def _command_markdown(cmd: Any, path: list[str], parent: Any, depth: int) -> list[str]:
    ctx = cmd.context_class(cmd, info_name=path[-1], parent=parent)
    title = " ".join(path)
    lines = [f"{'#' * min(depth, 6)} `{title}`", ""]
    help_text = _plain(cmd.help)
    if help_text:
        lines += [help_text, ""]
    usage = ["[OPTIONS]"]
    for p in cmd.params:
        if p.param_type_name == "argument":
            name = (p.name or "").upper() + ("..." if p.nargs == -1 else "")
            usage.append(name if p.required else f"[{name}]")
    if hasattr(cmd, "list_commands"):
        usage.append("COMMAND [ARGS]...")
    usage = " ".join(usage)
    lines += ["```text", f"{title} {usage}".rstrip(), "```", ""]
    args = [row for p in cmd.params if (row := _argument_row(p))]
    opts = [row for p in cmd.params if (row := _option_row(p, ctx))]
    if args:
        lines += ["| argument | description |", "|---|---|"]
        lines += [f"| `{name}` | {_cell(h)} |" for name, h in args]
        lines.append("")
    if opts:
        lines += ["| option | description |", "|---|---|"]
        lines += [f"| `{_cell(names)}` | {_cell(h)} |" for names, h in opts]
        lines.append("")
    if hasattr(cmd, "list_commands"):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            lines += _command_markdown(sub, [*path, name], ctx, depth + 1)
    return lines


def cli_reference_markdown(app=None) -> str:
    """Markdown for every visible command of the ``scalinglab`` app (or of ``app``), groups first-level."""
    import typer

    if app is None:
        from scalinglab.cli.main import app
    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="scalinglab")
    lines = ["<!-- generated from the typer app by scripts/mkdocs_hooks.py at docs-build time -->", ""]
    names = [n for n in root.list_commands(ctx) if not root.get_command(ctx, n).hidden]
    lines += ["Commands: " + ", ".join(f"`{n}`" for n in names) + ".", ""]
    opts = [row for p in root.params if (row := _option_row(p, ctx))]  # e.g. --version
    if opts:
        lines += ["| option | description |", "|---|---|"]
        lines += [f"| `{_cell(n)}` | {_cell(h)} |" for n, h in opts] + [""]
    for name in names:
        lines += _command_markdown(root.get_command(ctx, name), ["scalinglab", name], ctx, 2)
    return "\n".join(lines).rstrip() + "\n"
