"""The page "What the original advice got wrong", put together from what already exists.

Each claims test (tests/claims/test_claim_*.py) names its claim (`CLAIM = "id"`) and
states what it measures in its docstring. docs/myths.yml holds only the source text's
words for each claim id. A guide section that carries `<!-- claim: id -->` is linked as
the explanation. The page is written to var/docs-generated/myths.md before each build;
a reference to a claim or a test that does not exist stops the build.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from guide import markdown, sections

ROOT = Path(__file__).resolve().parents[2]
CLAIMS_DIR = ROOT / "tests" / "claims"
CONTENT_DIR = ROOT / "guide" / "content"
MYTHS = ROOT / "docs" / "myths.yml"
OUTPUT = ROOT / "var" / "docs-generated" / "myths.md"


class MythError(Exception):
    pass


@dataclass
class Claim:
    id: str
    statement: str
    path: Path
    tests: list[str]


@dataclass
class Mention:
    """Where a guide section discusses a claim: its page, the heading above the marker."""

    page: str
    section: str
    heading: str | None

    def link(self) -> str:
        from markdown.extensions.toc import slugify

        anchor = f"#{slugify(plain(self.heading), '-')}" if self.heading else ""
        label = f"{self.section} › {plain(self.heading)}" if self.heading else self.section
        return f"[{label}]({self.page}{anchor})"


def plain(markdown: str) -> str:
    """Heading text as the table of contents shows it: no code marks, links or emphasis."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"(?<!\w)_|_(?!\w)", "", text)  # emphasis marks, not a name's underscore
    return re.sub(r"[`*]", "", text).strip()


def claims(directory: Path = CLAIMS_DIR) -> dict[str, Claim]:
    found = {}
    for path in sorted(directory.glob("test_claim_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        claim_id = next(
            (
                ast.literal_eval(node.value)
                for node in tree.body
                if isinstance(node, ast.Assign)
                and any(getattr(target, "id", None) == "CLAIM" for target in node.targets)
            ),
            None,
        )
        if claim_id is None:
            raise MythError(f"{path.relative_to(ROOT)} has no CLAIM = '...'")
        tests = [
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
        ]
        statement = " ".join((ast.get_docstring(tree) or "").split())
        found[claim_id] = Claim(claim_id, statement, path, tests)
    return found


def mentions(directory: Path = CONTENT_DIR) -> dict[str, list[Mention]]:
    """Every `<!-- claim: id -->` in the guide's sections, by claim id."""
    found: dict[str, list[Mention]] = {}
    for section in sections.load(directory):
        for mark in markdown.claim_marks(section.source()):
            under = mark.heading  # under the title (`# `): the link goes to the page itself
            heading = under.text if under and under.level > 1 else None
            page = f"sections/{section.path.name}"
            found.setdefault(mark.id, []).append(Mention(page, plain(section.title), heading))
    return found


def check_test(reference: str) -> None:
    file, _, name = reference.partition("::")
    path = ROOT / file
    if not path.is_file():
        raise MythError(f"myths.yml names {file}, which does not exist")
    names = {
        node.name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    if name not in names:
        raise MythError(f"myths.yml names {reference}, which is not a test in {file}")


def sentence(test_name: str) -> str:
    words = test_name.removeprefix("test_").replace("_", " ")
    return words[:1].upper() + words[1:] + "."


def quote(says: str, where: str) -> str:
    return f"> {says}\n>\n> <small>The source text, {where}</small>"


def render(data: dict, found: dict[str, Claim], discussed: dict[str, list[Mention]]) -> str:
    said = {entry["claim"]: entry for entry in data["said"]}
    titles = {entry["claim"]: entry["title"] for entry in data["said"] + data["left_out"]}
    for claim_id in titles:
        if claim_id not in found:
            raise MythError(f"myths.yml names claim {claim_id!r}: no tests/claims test has it")
    out = ["## What it said that is not so", ""]
    for claim_id, entry in said.items():
        said_text = quote(entry["says"], entry["where"])
        out += claim_block(found[claim_id], entry["title"], discussed, said_text)
    out += ["## What it left out", ""]
    for claim in found.values():
        if claim.id not in said:
            title = titles.get(claim.id) or claim.id.replace("-", " ").capitalize()
            out += claim_block(claim, title, discussed, None)
    out += ["## Its code samples", ""]
    for entry in data["code"]:
        for reference in entry["tests"]:
            check_test(reference)
        out += [quote(entry["says"], entry["where"]), ""]
        out += [f"**The problem:** {entry['problem']}", "", "**The fix is held by:**", ""]
        for ref in entry["tests"]:
            out.append(f"- {sentence(ref.partition('::')[2])} <small>`{ref}`</small>")
        out += ["", f"[See the pattern]({entry['page']})", "", "---", ""]
    return "\n".join(out)


def claim_block(
    claim: Claim, title: str, discussed: dict[str, list[Mention]], said: str | None
) -> list[str]:
    file = claim.path.relative_to(ROOT).as_posix()
    out = [f"### {title} {{#{claim.id}}}", ""]
    if said:
        out += [said, ""]
    out += [f"**Measured:** {claim.statement}", ""]
    out += ["**The test checks:**", ""] + [f"- {sentence(name)}" for name in claim.tests] + [""]
    if discussed.get(claim.id):
        links = ", ".join(dict.fromkeys(mention.link() for mention in discussed[claim.id]))
        out += [f"**In the guide:** {links}", ""]
    out += [f'??? example "`{file}`"', "", "    ```python", f'    --8<-- "{file}"', "    ```", ""]
    return out


def build() -> str:
    data = yaml.safe_load(MYTHS.read_text(encoding="utf-8"))
    return render(data, claims(), mentions())


def on_pre_build(config) -> None:
    from mkdocs.exceptions import PluginError

    try:
        text = build()
    except MythError as error:
        raise PluginError(str(error)) from error
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    partial = OUTPUT.with_suffix(".md.tmp")
    partial.write_text(text + "\n", encoding="utf-8")
    partial.replace(OUTPUT)


if __name__ == "__main__":
    print(build())
