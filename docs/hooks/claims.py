"""The claim index, the release table and each section's claims list, drawn at build time.

Nothing here is typed by hand. The claims are the test modules in tests/claims (each one's
`CLAIM` id, docstring and test functions, read as myths.py reads them); where the guide
states each is its `<!-- claim: id -->` marks (guide.markdown.claim_marks); how each
fared on each FastAPI release is tests/claims/releases.json, written by `make matrix`.

- var/docs-generated/claims/claims.md: every claim, its statement, the sections that cite it,
  its tests and its release row (included by docs/claims.md);
- var/docs-generated/claims/releases.md: the claim x release table (included by docs/releases.md);
- on each docs/sections/NN-*.md page, a closing "Claims in this section" list.

A claim cited in the guide without a test module, or a claim the table lacks, shows as such
on the pages; the tests (tests/docs/test_claim_pages.py, tests/claims/conftest.py) fail on it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from myths import Claim, Mention, claims, mentions

from guide import markdown, sections

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "tests" / "claims" / "releases.json"
OUTPUT = ROOT / "var" / "docs-generated" / "claims"  # its own folder: outputs.py records the rest
# The claim x release table's cells: one character each, so ten releases fit a laptop.
WORD = {"holds": "✓", "differs": "✗", "n/a": "–"}


def link(mention: Mention) -> str:
    """A link to the heading the mark stands under, with the anchor the toc gives it (the
    heading's text without code marks, underscores kept)."""
    from markdown.extensions.toc import slugify

    if not mention.heading:
        return f"[{mention.section}]({mention.page})"
    shown = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", mention.heading)
    shown = shown.replace("`", "").replace("*", "").strip()
    return f"[{mention.section} › {shown}]({mention.page}#{slugify(shown, '-')})"


def links(mentions: list[Mention]) -> str:
    return ", ".join(dict.fromkeys(link(mention) for mention in mentions))


def table() -> dict[str, Any]:
    if not TABLE.exists():
        return {"runs": {}, "releases": []}
    return json.loads(TABLE.read_text(encoding="utf-8"))


def installed(data: dict[str, Any]) -> dict[str, Any] | None:
    """The newest release's column: the one requirements.lock installs and `make test` checks."""
    return data["releases"][-1] if data["releases"] else None


def code(text: str) -> str:
    """`text` as inline code that a backtick inside cannot break."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def cell_text(cell: dict[str, Any]) -> str:
    """A table cell's words: holds, or the status and what was seen, as plain text."""
    seen = " ".join(cell["seen"].replace("|", "/").split())
    return cell["status"] if cell["status"] == "holds" else f"{cell['status']}: {seen}"


def release_summary(claim_id: str, data: dict[str, Any]) -> str:
    parts = []
    for column in data["releases"]:
        cell = column["claims"].get(claim_id)
        parts.append(f"{column['fastapi']} {cell['status'] if cell else 'not measured'}")
    return " · ".join(parts) or "not measured yet"


def claims_page(found: dict[str, Claim], cited: dict[str, list[Mention]], data: dict) -> str:
    ids = sorted(set(found) | set(cited))
    column = installed(data)
    version = column["fastapi"] if column else "none"
    out = [
        f"{len(found)} claims are measured, each by one test module in `tests/claims/`; "
        f"the installed FastAPI is {version}. A statement of the guide that is not listed "
        "here is explanation or advice, not a measured claim.",
        "",
        "| Claim | Cited in | Installed release |",
        "|---|---|---|",
    ]
    for claim_id in ids:
        where = links(cited.get(claim_id, [])) or "nowhere"
        cell = column["claims"].get(claim_id) if column else None
        status = cell["status"] if cell else "not measured"
        out.append(f"| [{code(claim_id)}](#{claim_id}) | {where} | {status} |")
    out.append("")
    for claim_id in ids:
        claim = found.get(claim_id)
        out += [f"## {code(claim_id)} {{#{claim_id}}}", ""]
        out += [claim.statement if claim else "**No test module measures this claim.**", ""]
        out.append(f"- **Cited in:** {links(cited.get(claim_id, [])) or 'no section'}")
        if claim:
            file = claim.path.relative_to(ROOT).as_posix()
            tests = ", ".join(code(name) for name in claim.tests)
            out.append(f"- **Tests:** {code(file)}: {tests}")
        row = f"[row](releases.md#row-{claim_id})"
        out += [f"- **Across releases** ({row}): {release_summary(claim_id, data)}", ""]
    return "\n".join(out)


def cutoff(column: dict[str, Any]) -> str:
    """`--exclude-newer`'s date and time (UTC), or the lock file's name."""
    return column["resolved_as_of"].replace("T", " ").removesuffix("Z")[:16]


def seconds(value: float) -> str:
    return f"{value / 60:.0f} min" if value >= 90 else f"{value:.0f} s"


def releases_page(found: dict[str, Claim], cited: dict[str, list[Mention]], data: dict) -> str:
    columns = data["releases"]
    if not columns:
        return "No release has been measured yet: run `make matrix`."
    runs = data.get("runs", {})
    made = {"cold": "making every environment anew from uv's cache", "warm": "reusing them"}
    timing = [
        f"{seconds(run['seconds'])} {made[kind]} ({run['at']})"
        for kind, run in sorted(runs.items())
    ]
    at_a_time = max((run["processes"] for run in runs.values()), default=2)
    out = [
        f"`make matrix` took {' and '.join(timing) or 'an unrecorded time'}, {at_a_time} "
        "releases at a time.",
        "",
        "| FastAPI | uploaded | Starlette | uvicorn | AnyIO | httpx | pydantic |",
        "|---|---|---|---|---|---|---|",
    ]
    for column in columns:
        v = column["versions"]
        out.append(
            f"| **{column['fastapi']}** | {column['uploaded'][:10]} | {v['starlette']}"
            f" | {v['uvicorn']} | {v['anyio']} | {v['httpx']} | {v['pydantic']} |"
        )
    out += ["", "What turns at each release, and when its column was measured:", ""]
    out += [
        f"- **{column['fastapi']}**: {column['why']} (measured {column['measured']} on Python "
        f"{column['versions']['python']}, in {seconds(column['test_seconds'])}; dependencies "
        f"as of {cutoff(column)})"
        for column in columns
    ]
    out += ["", "## The table", ""]
    out += ["✓ holds, ✗ differs (what was seen is linked), – n/a on that release.", ""]
    out += ['<div class="compact-table" markdown>', ""]  # narrow columns (extra.css)
    out += ["| Claim | " + " | ".join(c["fastapi"] for c in columns) + " |"]
    out += ["|---|" + "---|" * len(columns)]
    ids = sorted(set(found) | set(cited))  # the claims of the index; a renamed one's old row goes
    for claim_id in ids:
        cells = []
        for column in columns:
            cell = column["claims"].get(claim_id)
            word = WORD[cell["status"]] if cell else "not measured"
            noted = cell and (cell["status"] != "holds" or cell.get("first_run"))
            seen = f"[{word}](#seen-{claim_id})" if noted else word
            cells.append(seen)
        anchor = f'<a id="row-{claim_id}"></a>'
        out.append(f"| {anchor}[{claim_id}](claims.md#{claim_id}) | {' | '.join(cells)} |")
    out += ["", "</div>"]
    out += ["", "## What was seen where a claim does not hold", ""]
    out += ["A claim that differed was run once more on its own; where it then passed, the"]
    out += ["cell says holds and what the first run saw is listed here too.", ""]
    for claim_id in ids:
        noted = [
            (column["fastapi"], column["claims"][claim_id])
            for column in columns
            if claim_id in column["claims"]
            and (
                column["claims"][claim_id]["status"] != "holds"
                or column["claims"][claim_id].get("first_run")
            )
        ]
        if not noted:
            continue
        out += [f"### {code(claim_id)} {{#seen-{claim_id}}}", ""]
        said: dict[str, list[str]] = {}  # the same words on several releases: one line
        for version, cell in noted:
            if cell["status"] == "holds":
                first = " ".join(cell["first_run"].replace("|", "/").split())
                words = f"holds on a second run; the first saw {code(first)}"
            else:
                words = code(cell_text(cell))
            said.setdefault(words, []).append(version)
        out += [f"- **{', '.join(versions)}**: {words}" for words, versions in said.items()]
        out.append("")
    return "\n".join(out)


def section_list(section: sections.Section, found: dict[str, Claim], data: dict) -> str:
    ids = list(dict.fromkeys(mark.id for mark in markdown.claim_marks(section.source())))
    if not ids:
        return ""
    column = installed(data)
    out = ["", "## Claims in this section", ""]
    out.append("Each measured by its test in `tests/claims/`, on several FastAPI releases:")
    out.append("")
    for claim_id in ids:
        cell = column["claims"].get(claim_id) if column else None
        status = cell["status"] if cell else "not measured"
        installed_at = (
            f"{status} on the installed FastAPI, {column['fastapi']}" if column else status
        )
        out.append(
            f"- [{code(claim_id)}](../claims.md#{claim_id}): {installed_at} "
            f"([across releases](../releases.md#row-{claim_id}))"
        )
    return "\n".join(out) + "\n"


def write(name: str, text: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    partial = OUTPUT / f"{name}.tmp"
    partial.write_text(text + "\n", encoding="utf-8")
    partial.replace(OUTPUT / name)


def on_pre_build(config) -> None:
    found, data = claims(), table()
    write("claims.md", claims_page(found, mentions(), data))
    write("releases.md", releases_page(found, mentions(), data))


def on_page_markdown(markdown_text: str, page, config, files) -> str:
    name = page.file.src_uri.removeprefix("sections/")
    if name == page.file.src_uri:
        return markdown_text
    section = next((s for s in sections.load() if s.path.name == name), None)
    if section is None:
        return markdown_text
    return markdown_text.rstrip("\n") + "\n" + section_list(section, claims(), table())


if __name__ == "__main__":
    print(claims_page(claims(), mentions(), table()))
    print(releases_page(claims(), mentions(), table()))
