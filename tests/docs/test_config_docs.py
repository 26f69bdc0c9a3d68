"""docs/configuration.md and the config loader's tables stay in sync: every
field the loader knows (update_scheduling's too) is documented, every
documented field is one the loader knows, and so for the environment
variables that stand in for secrets."""

import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def loader_source():
    with open(os.path.join(ROOT, "src", "cli", "config.c")) as f:
        return f.read()


def table(text, start):
    part = text[text.index(start):]
    return part[:part.index("};")]


def loader_fields():
    text = loader_source()
    names = set()
    for start in ("static const struct field fields[]",
                  "static const struct field schedule_fields[]"):
        names |= set(re.findall(r'"([a-z0-9_]+)", F_', table(text, start)))
    return names


def loader_variables():
    return set(re.findall(r'\{"(OTA_[A-Z_]+)"', table(loader_source(), "} environment[]")))


def documented_fields():
    with open(os.path.join(ROOT, "docs", "configuration.md")) as f:
        text = f.read()
    names = set()
    for line in text.splitlines():
        m = re.match(r"\| ((?:`[a-z0-9_]+`(?:, )?)+) \|", line)
        if m:
            names |= set(re.findall(r"`([a-z0-9_]+)`", m.group(1)))
    return names


def documented_variables():
    with open(os.path.join(ROOT, "docs", "configuration.md")) as f:
        text = f.read()
    section = text[text.index("## Secrets from the environment"):]
    section = section[:section.index("\n## ", 5)]
    return set(re.findall(r"^\| `(OTA_[A-Z_]+)` \|", section, re.M))


class ConfigDocs(unittest.TestCase):
    def test_every_field_is_documented_and_every_documented_field_exists(self):
        loader, docs = loader_fields(), documented_fields()
        self.assertGreater(len(loader), 40)
        self.assertEqual(sorted(loader - docs), [], "fields missing from the docs")
        self.assertEqual(sorted(docs - loader - {"version.json", "ota_error.json"}), [],
                         "documented fields the loader does not know")

    def test_every_environment_variable_is_documented(self):
        self.assertEqual(sorted(loader_variables()), ["OTA_MANIFEST_KEY", "OTA_TOKEN"])
        self.assertEqual(documented_variables(), loader_variables())


if __name__ == "__main__":
    unittest.main()
