"""Every message of ours has an Indonesian translation, and the compiled catalogue is current."""

import gettext
import re
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "locale" / "id" / "LC_MESSAGES" / "django.po"


def read_po(path: Path) -> dict[str, tuple[str, str | None]]:
    """``{msgid: (msgstr, msgid_plural or None)}``; a plural entry's msgstr is its only
    form, ``msgstr[0]`` (Indonesian has one)."""
    entries, key, current = {}, None, {}
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        match = re.match(r'^(msgid|msgid_plural|msgstr|msgstr\[0\]) "(.*)"$', line)
        if match:
            key = match.group(1).replace("[0]", "")
            current[key] = match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
        elif not line.strip():
            if current.get("msgid"):
                entries[current["msgid"]] = (current.get("msgstr", ""), current.get("msgid_plural"))
            key, current = None, {}
    unescape = lambda text: text.replace('\\"', '"') if text else text  # noqa: E731
    return {unescape(k): (unescape(v), unescape(p)) for k, (v, p) in entries.items()}


def test_every_message_is_translated_and_compiled():
    entries = read_po(PO)
    assert entries, "the catalogue is empty"
    untranslated = [msgid for msgid, (msgstr, _plural) in entries.items() if not msgstr]
    assert untranslated == [], "translate these in django.po, then `make messages`"
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8").split("msgid", 2)[-1]
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        msgid
        for msgid, (msgstr, plural) in entries.items()
        if (compiled.ngettext(msgid, plural, 1) if plural else compiled.gettext(msgid)) != msgstr
    ]
    assert stale == [], "django.mo is older than django.po: run `make messages`"
