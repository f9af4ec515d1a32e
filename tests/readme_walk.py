"""The README's walk and docs/walk.sh say the same thing.

- Every shell block of the README's "Walk through the API" section is an excerpt of
  docs/walk.sh: its command lines appear in the script, in the same order (the script may
  have more lines between them, such as the ``show`` lines that print answers).
- Every ``# ⇒ …`` line of those blocks is a line the walk prints, in the same order: CI runs
  ``python -m tests.readme_walk README.md <the walk's output>`` after docs/walk.sh.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOWN = "# ⇒ "


def walk_section(readme: str) -> str:
    start = readme.index("## Walk through the API\n")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def shell_blocks(readme: str) -> list[list[str]]:
    return [
        block.splitlines()
        for block in re.findall(r"```sh\n(.*?)```", walk_section(readme), flags=re.DOTALL)
    ]


def commands(block: list[str]) -> list[str]:
    return [line.rstrip() for line in block if line.strip() and not line.lstrip().startswith(SHOWN)]


def shown(readme: str) -> list[str]:
    return [
        line.strip().removeprefix(SHOWN.strip()).strip()
        for block in shell_blocks(readme)
        for line in block
        if line.lstrip().startswith(SHOWN)
    ]


def in_order(wanted: list[str], lines: list[str]) -> str | None:
    """The first of ``wanted`` not found in ``lines`` after the ones before it, or None."""
    position = 0
    for item in wanted:
        try:
            position = lines.index(item, position) + 1
        except ValueError:
            return item
    return None


def missing_commands(readme: str, script: str) -> list[tuple[int, str]]:
    lines = [line.rstrip() for line in script.splitlines()]
    return [
        (number, missing)
        for number, block in enumerate(shell_blocks(readme), 1)
        if (missing := in_order(commands(block), lines)) is not None
    ]


def main(readme_path: str, output_path: str) -> int:
    readme = Path(readme_path).read_text()
    printed = [
        line.removeprefix("⇒").strip()
        for line in Path(output_path).read_text().splitlines()
        if line.startswith("⇒")
    ]
    missing = in_order(shown(readme), printed)
    if missing is not None:
        print(f"The README shows '⇒ {missing}', which the walk did not print (in order).")
        print("The walk printed:\n  " + "\n  ".join(printed))
        return 1
    print(f"The README's {len(shown(readme))} answers are what the walk printed.")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
