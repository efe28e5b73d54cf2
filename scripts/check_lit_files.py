"""Check the lit tests themselves (STYLE.md 3.4: tests that check nothing).

    python check_lit_files.py LIT_TESTS_DIR

Every test file (`.mlir`, `.test`, outside `Inputs/` and `Output/`) must:
* have a RUN line;
* if it has check lines (`CHECK:` or `PREFIX:` for a `--check-prefix` it
  uses), pipe some RUN line into `filecheck`, and use every prefix it passes;
* pipe every `not ramiel-opt ...` RUN line into `filecheck`, so that each
  expected failure also checks its message.
Prints one line per problem and exits 1 if there is any.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

RUN = re.compile(r"^\s*(?://|#)?\s*RUN:\s?(.*)$")
PREFIX_OPTION = re.compile(r"--check-prefix(?:es)?[= ](\S+)")


def run_lines(text: str) -> list[str]:
    """The RUN commands of a test, continuation lines (`\\`) joined."""
    commands: list[str] = []
    pending = ""
    for line in text.splitlines():
        match = RUN.match(line)
        if match is None:
            continue
        part = match.group(1).rstrip()
        if part.endswith("\\"):
            pending += part[:-1] + " "
            continue
        commands.append(pending + part)
        pending = ""
    return commands


def problems(path: Path) -> list[str]:
    text = path.read_text()
    commands = run_lines(text)
    if not commands:
        return ["no RUN line"]
    found: list[str] = []
    prefixes = {"CHECK"}
    for command in commands:
        for option in PREFIX_OPTION.findall(command):
            prefixes.update(option.split(","))
    for prefix in sorted(prefixes):
        uses = re.search(
            rf"(?m)^\W*{re.escape(prefix)}(-NEXT|-SAME|-LABEL|-NOT|-DAG|-EMPTY)?:", text
        )
        if prefix != "CHECK" and uses is None:
            found.append(f"--check-prefix {prefix} has no check lines")
    has_checks = re.search(r"(?m)^\W*CHECK(-NEXT|-SAME|-LABEL|-NOT|-DAG)?:", text)
    if has_checks and not any("filecheck" in c for c in commands):
        found.append("has CHECK lines but no RUN line pipes into filecheck")
    for command in commands:
        for stage in re.split(r"&&|;", command):
            if re.match(r"\s*not\s+ramiel-opt\b", stage) and "filecheck" not in stage:
                found.append(f"a failing RUN line checks no message: {stage.strip()}")
    return found


def main() -> None:
    root = Path(sys.argv[1])
    failed = False
    for path in sorted([*root.rglob("*.mlir"), *root.rglob("*.test")]):
        parts = set(path.relative_to(root).parts)
        if parts & {"Inputs", "Output"}:
            continue
        for problem in problems(path):
            failed = True
            print(f"{path.relative_to(root)}: {problem}")
    print("lit files checked")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
