"""The README's walk is docs/walk.sh: same commands, same order (CI runs the script)."""

from tests.readme_walk import ROOT, missing_commands, shell_blocks, shown


def test_every_command_the_readme_walk_shows_is_in_the_script_in_its_order():
    # Given the README and the walk script CI runs
    readme = (ROOT / "README.md").read_text()
    script = (ROOT / "docs" / "walk.sh").read_text()
    # Then the walk section has its blocks and its shown answers
    assert len(shell_blocks(readme)) >= 8
    assert len(shown(readme)) >= 15
    # And none of its commands is missing from the script or out of order
    assert missing_commands(readme, script) == []


def test_the_check_notices_a_command_the_script_does_not_run():
    readme = "## Walk through the API\n```sh\ncurl one\ncurl two\n```\n\n## Next\n"
    assert missing_commands(readme, "curl one\necho\ncurl two\n") == []
    assert missing_commands(readme, "curl two\ncurl one\n") == [(1, "curl two")]
