"""What a user reads about the `ota` command: --version everywhere, the man
page and the bash completion, both made from the --help texts and built
beside the binary."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import OTA_BIN

DEVICE_COMMANDS = ["update", "check", "status", "config check", "config show", "boot", "confirm",
                   "rollback"]
TOOLS = ["keygen", "sign", "verify", "manifest", "delta", "completion", "manpage"]


def run(*args, cwd=None):
    return subprocess.run([OTA_BIN, *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd)


def long_options(help_text):
    """The long options the "Options:" lines of a --help text name."""
    terms = (l.strip().split("  ")[0] for l in help_text.splitlines() if re.match(r" +-", l))
    return {o for t in terms for o in re.findall(r"--[a-z][a-z-]*", t)}


class Version(unittest.TestCase):
    def test_version_from_the_top_and_from_every_command(self):
        expected = run("--version").stdout
        self.assertRegex(expected, r"^ota \d+\.\d+\.\d+\n$")
        for command in DEVICE_COMMANDS + TOOLS:
            with self.subTest(command=command):
                proc = run(*command.split(), "--version")
                self.assertEqual((proc.returncode, proc.stdout), (0, expected), proc.stderr)
        self.assertEqual(run("update", "-q", "--version").stdout, expected)
        self.assertIn("--version", run("check", "--help").stdout)

    def test_help_command_is_the_same_as_help_option(self):
        for command in DEVICE_COMMANDS + TOOLS:
            with self.subTest(command=command):
                self.assertEqual(run("help", *command.split()).stdout,
                                 run(*command.split(), "--help").stdout)
        self.assertEqual(run("help", "frobnicate").returncode, 2)


class ManPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        proc = run("manpage")
        assert proc.returncode == 0, proc.stderr
        cls.page = proc.stdout

    def test_it_has_every_command_and_every_option(self):
        self.assertTrue(self.page.startswith('.\\" Made by'))
        self.assertRegex(self.page, r'\n\.TH OTA 1 "" "ota \d+\.\d+\.\d+"')
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "TOOLS",
                        "EXIT STATUS", "ENVIRONMENT", "FILES", "SEE ALSO"):
            self.assertIn(f"\n.SH {section}\n", self.page)
        for command in DEVICE_COMMANDS + TOOLS:
            with self.subTest(command=command):
                self.assertIn(f"\n.SS {command}\n", self.page)
                for option in long_options(run(*command.split(), "--help").stdout):
                    self.assertIn(option.replace("-", "\\-"), self.page)
        for variable in ("OTA_TOKEN", "OTA_MANIFEST_KEY"):
            self.assertIn(f"\\fB{variable}\\fR", self.page)

    def test_troff_has_no_raw_requests_or_escapes(self):
        body = [line for line in self.page.splitlines() if not line.startswith((".", "\\&"))]
        for line in body:
            self.assertNotRegex(line, r"(?<!\\)-", line)   # hyphens are \-
            self.assertNotIn("`", line)
        self.assertNotRegex(self.page, r"\n'")

    @unittest.skipUnless(shutil.which("groff"), "groff is not installed")
    def test_groff_reads_it_without_warnings(self):
        proc = subprocess.run(["groff", "-man", "-ww", "-z"], input=self.page,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual((proc.returncode, proc.stderr), (0, ""))

    def test_the_build_made_the_same_page_and_completion(self):
        build = os.path.dirname(OTA_BIN)
        with open(os.path.join(build, "ota.1")) as f:
            self.assertEqual(f.read(), self.page)
        with open(os.path.join(build, "ota.bash")) as f:
            self.assertEqual(f.read(), run("completion", "bash").stdout)


class Completion(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ota-completion-")
        cls.script = os.path.join(cls.tmp, "ota.bash")
        proc = run("completion", "bash")
        assert proc.returncode == 0, proc.stderr
        with open(cls.script, "w") as f:
            f.write(proc.stdout)
        os.makedirs(os.path.join(cls.tmp, "files", "subdir"))
        open(os.path.join(cls.tmp, "files", "release.key"), "w").close()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def complete(self, *words):
        """What bash offers for `ota WORDS` (the last word being typed)."""
        words = ("ota",) + words
        array = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
        script = (f"source '{self.script}'; COMP_WORDS=({array}); "
                  f"COMP_CWORD={len(words) - 1}; _ota; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", script],
                              capture_output=True, text=True, timeout=60,
                              cwd=os.path.join(self.tmp, "files"))
        self.assertEqual(proc.stderr, "")
        return sorted(w for w in proc.stdout.split("\n") if w)

    def test_script_is_valid_bash(self):
        proc = subprocess.run(["bash", "-n", self.script], capture_output=True, text=True)
        self.assertEqual((proc.returncode, proc.stderr), (0, ""))

    def test_commands_and_subcommands(self):
        self.assertEqual(self.complete("up"), ["update"])
        self.assertEqual(self.complete("c"), ["check", "completion", "config", "confirm"])
        self.assertEqual(self.complete("config", ""), ["check", "show"])
        self.assertEqual(self.complete("help", "ma"), ["manifest", "manpage"])
        self.assertEqual(self.complete("completion", ""), ["bash"])

    def test_every_option_of_every_command(self):
        for command in DEVICE_COMMANDS + TOOLS:
            with self.subTest(command=command):
                offered = self.complete(*command.split(), "--")
                expected = long_options(run(*command.split(), "--help").stdout)
                self.assertEqual(set(offered), expected)

    def test_option_arguments(self):
        self.assertEqual(self.complete("update", "--root", ""), ["subdir"])
        self.assertEqual(self.complete("config", "check", "-c", "rel"), ["release.key"])
        self.assertEqual(self.complete("sign", "--key", ""), ["release.key", "subdir"])
        self.assertEqual(self.complete("manifest", "--sequence", ""), [])


if __name__ == "__main__":
    unittest.main()
