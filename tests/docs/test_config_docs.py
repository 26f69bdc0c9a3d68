"""docs/configuration.md and the config loader's field table stay in sync:
every field the loader knows is documented, and every documented field is
one the loader knows."""

import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def loader_fields():
    with open(os.path.join(ROOT, "src", "cli", "config.c")) as f:
        text = f.read()
    table = text[text.index("static const struct field fields[]"):]
    table = table[:table.index("};")]
    return set(re.findall(r'\{"([a-z0-9_]+)", F_', table)) | \
        set(re.findall(r'PENDING\("([a-z0-9_]+)"\)', table))


def documented_fields():
    with open(os.path.join(ROOT, "docs", "configuration.md")) as f:
        text = f.read()
    names = set()
    for line in text.splitlines():
        m = re.match(r"\| ((?:`[a-z0-9_]+`(?:, )?)+) \|", line)
        if m:
            names |= set(re.findall(r"`([a-z0-9_]+)`", m.group(1)))
    later = text[text.index("## Fields of later features"):]
    later = later[:later.index("\n## ", 5)]
    names |= set(re.findall(r"`([a-z0-9_]+)`", later))
    return names


class ConfigDocs(unittest.TestCase):
    def test_every_field_is_documented_and_every_documented_field_exists(self):
        loader, docs = loader_fields(), documented_fields()
        self.assertGreater(len(loader), 40)
        self.assertEqual(sorted(loader - docs), [], "fields missing from the docs")
        self.assertEqual(sorted(docs - loader - {"version.json", "ota_error.json"}), [],
                         "documented fields the loader does not know")


if __name__ == "__main__":
    unittest.main()
