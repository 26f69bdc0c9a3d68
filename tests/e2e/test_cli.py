"""The `ota` command as a user meets it: help, exit codes, configuration
errors and warnings, status, restart_command, private repositories."""

import json
import os
import subprocess
import unittest

from harness import OTA_BIN, OtaTestCase

APP = {"main.py": "print('v1')\n", "lib/util.py": "X = 1\n"}


def run(*args, env=None, cwd=None):
    return subprocess.run([OTA_BIN, *args], capture_output=True, text=True, timeout=60,
                          env=env, cwd=cwd)


class Help(unittest.TestCase):
    def test_every_subcommand_has_help(self):
        for cmd in ("update", "check", "status", "boot"):
            with self.subTest(cmd=cmd):
                proc = run(cmd, "--help")
                self.assertEqual(proc.returncode, 0)
                self.assertIn(f"usage: ota {cmd}", proc.stdout)
                self.assertIn("--config", proc.stdout)
                self.assertIn("--json", proc.stdout)
                self.assertIn("Exit codes", proc.stdout)
        self.assertIn("--no-restart", run("update", "--help").stdout)
        self.assertEqual(run("--help").returncode, 0)
        self.assertIn("update", run("--help").stdout)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("frobnicate").returncode, 2)
        self.assertEqual(run("update", "--bogus").returncode, 2)
        self.assertEqual(run("check", "--force").returncode, 2)
        self.assertEqual(run("status", "extra").returncode, 2)

    def test_version(self):
        proc = run("--version")
        self.assertEqual(proc.returncode, 0)
        self.assertRegex(proc.stdout, r"^ota \d+\.\d+\.\d+")


class Config(OtaTestCase):
    def write_raw(self, text):
        with open(os.path.join(self.device, "ota_config.json"), "w") as f:
            f.write(text)

    def test_missing_config_is_a_config_error(self):
        os.remove(os.path.join(self.device, "ota_config.json"))
        code, out, err = self.ota("update", expect=3)
        self.assertEqual(out["error"]["name"], "OTA_ERR_CONFIG")
        self.assertIn("ota_config.json", out["error"]["reason"])

    def test_wrong_type_names_field_and_line(self):
        self.write_raw('{\n "owner": "acme",\n "repo": "app",\n "channel": "developer",\n'
                       ' "retries": "three"\n}\n')
        code, out, err = self.ota("update", expect=3)
        self.assertIn("line 5", out["error"]["reason"])
        self.assertIn("retries", out["error"]["reason"])

    def test_malformed_json_is_reported(self):
        self.write_raw('{"owner": "acme", "repo": "app",, }')
        code, out, _ = self.ota("check", expect=3)
        self.assertIn("malformed JSON", out["error"]["reason"])

    def test_required_fields(self):
        self.write_raw('{"owner": "acme", "channel": "developer"}')
        code, out, _ = self.ota("check", expect=3)
        self.assertIn('"repo" is required', out["error"]["reason"])
        self.write_raw('{"owner": "acme", "repo": "app", "channel": "nightly"}')
        code, out, _ = self.ota("check", expect=3)
        self.assertIn("channel", out["error"]["reason"])

    def test_unknown_fields_are_reported_with_a_suggestion(self):
        self.repo.commit(APP, "v1")
        self.write_config(retires=5, lora_cs_pin=17, ssid="home", password="pw")
        code, out, err = self.ota("update")
        self.assertEqual(out["status"], "installed")
        warnings = "\n".join(out["warnings"])
        self.assertIn('unknown field "retires"', warnings)
        self.assertIn('did you mean "retries"', warnings)
        self.assertIn('"lora_cs_pin" is not supported', warnings)
        self.assertNotIn("ssid", warnings)
        self.assertIn("retires", err)  # also on stderr for people

    def test_config_elsewhere_and_paths_relative_to_root(self):
        self.repo.commit(APP, "v1")
        cfg = os.path.join(self.device, "ota_config.json")
        elsewhere = os.path.join(self.tmp, "etc-ota.json")
        os.rename(cfg, elsewhere)
        with open(elsewhere) as f:
            config = json.load(f)
        config["stage_dir"] = "var/stage"
        with open(elsewhere, "w") as f:
            json.dump(config, f)
        code, out, _ = self.ota("update", "-c", elsewhere)
        self.assertEqual(out["status"], "installed")
        self.assertTrue(os.path.exists(os.path.join(self.device, "main.py")))


class ConfigCommands(OtaTestCase):
    def test_check_and_show(self):
        self.write_config(token="ghp_secret", password="wifi-secret", retires=1)
        code, out, err = self.ota("config", "check")
        self.assertEqual(out["status"], "valid")
        self.assertIn('did you mean "retries"', " ".join(out["warnings"]))
        proc = run("config", "show", "--root", self.device)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        shown = json.loads(proc.stdout)
        self.assertEqual((shown["token"], shown["password"]), ("***", "***"))
        self.assertNotIn("ghp_secret", proc.stdout + proc.stderr)
        self.assertEqual((shown["owner"], shown["branch"], shown["stage_dir"]),
                         ("acme", "main", ".ota_stage"))
        self.assertEqual(self.requests(), [])  # no network

    def test_original_defaults_apply(self):
        with open(os.path.join(self.device, "ota_config.json"), "w") as f:
            json.dump({"owner": "acme", "repo": "app", "channel": "developer"}, f)
        shown = json.loads(run("config", "show", "--root", self.device).stdout)
        self.assertEqual((shown["retries"], shown["backoff_sec"], shown["max_backoff_sec"],
                          shown["api_url"], shown["reset_mode"]),
                         (3, 3, 60, "https://api.github.com", "hard"))

    def test_invalid_config_exits_3(self):
        with open(os.path.join(self.device, "ota_config.json"), "w") as f:
            f.write('{"owner": "acme", "repo": 5, "channel": "developer"}')
        code, out, _ = self.ota("config", "check", expect=3)
        self.assertIn('"repo" must be a string', out["error"]["reason"])
        self.assertEqual(run("config").returncode, 2)
        self.assertEqual(run("config", "frobnicate").returncode, 2)
        self.assertEqual(run("config", "check", "--help").returncode, 0)


class Output(OtaTestCase):
    def test_plain_lines_and_quiet(self):
        self.repo.commit(APP, "v1")
        proc = run("update", "--root", self.device)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("verified main.py", proc.stdout)
        self.assertIn("installed main at", proc.stdout)
        self.repo.commit({"main.py": "print('v2')\n"}, "v2")
        proc = run("update", "-q", "--root", self.device)
        self.assertEqual((proc.returncode, proc.stdout, proc.stderr), (0, "", ""))

    def test_status_shows_version_and_last_error(self):
        code, out, _ = self.ota("status")
        self.assertEqual(out["status"], "empty")
        self.assertIsNone(out["commit"])
        self.repo.commit(APP, "v1")
        self.ota("update")
        code, out, _ = self.ota("status")
        self.assertEqual(out["status"], "installed")
        self.assertEqual(out["ref"], "main")
        self.assertEqual(len(out["commit"]), 40)
        self.assertIsNone(out["last_error"])
        self.assertFalse(out["install_pending"])

        self.repo.commit({"main.py": "print('v2')\n"}, "v2")
        self.server.control([{"host": "raw", "flip_byte": 0}])
        self.ota("update", expect=5)
        code, out, _ = self.ota("status")
        self.assertEqual(out["last_error"]["phase"], "update")
        self.assertIn("main.py", out["last_error"]["message"])
        proc = run("status", "--root", self.device)
        self.assertIn("last error", proc.stdout)

    def test_boot_on_a_clean_device(self):
        code, out, _ = self.ota("boot")
        self.assertEqual(out["status"], "ok")


class Restart(OtaTestCase):
    def test_restart_command_runs_after_install_only(self):
        self.repo.commit(APP, "v1")
        self.write_config(reset_mode="hard", restart_command='echo "$OTA_COMMIT" > restarted')
        code, out, _ = self.ota("update")
        self.assertEqual(out["restart"], "done")
        with open(os.path.join(self.device, "restarted")) as f:
            self.assertEqual(f.read().strip(), out["commit"])
        os.remove(os.path.join(self.device, "restarted"))
        code, out, _ = self.ota("update")  # nothing new: no restart
        self.assertEqual(out["restart"], "skipped")
        self.assertFalse(os.path.exists(os.path.join(self.device, "restarted")))

    def test_reset_mode_none_and_no_restart(self):
        self.repo.commit(APP, "v1")
        self.write_config(reset_mode="none", restart_command="touch restarted")
        code, out, _ = self.ota("update")
        self.assertEqual(out["restart"], "skipped")
        self.repo.commit({"main.py": "v2\n"}, "v2")
        self.write_config(reset_mode="soft", restart_command="touch restarted")
        code, out, _ = self.ota("update", "--no-restart")
        self.assertEqual(out["restart"], "skipped")
        self.assertFalse(os.path.exists(os.path.join(self.device, "restarted")))

    def test_failing_restart_command_exits_9(self):
        self.repo.commit(APP, "v1")
        self.write_config(restart_command="echo noisy; exit 3")
        code, out, _ = self.ota("update", expect=9)
        self.assertEqual(out["status"], "installed")
        self.assertEqual(out["restart_exit_status"], 3)


class PrivateRepo(OtaTestCase):
    def setUp(self):
        super().setUp()
        with open(self.repo.path + ".private", "w") as f:
            f.write("s3cret")
        self.repo.commit(APP, "v1")

    def test_token_from_environment(self):
        code, out, _ = self.ota("update", expect=8)
        self.assertEqual(out["error"]["name"], "OTA_ERR_HTTP_NOT_FOUND")
        os.environ["OTA_TOKEN"] = "s3cret"
        try:
            code, out, _ = self.ota("update")
        finally:
            del os.environ["OTA_TOKEN"]
        self.assertEqual(out["status"], "installed")
        self.assert_device_matches()

    def test_token_in_config_and_a_wrong_one(self):
        self.write_config(token="wrong")
        code, out, _ = self.ota("update", expect=8)
        self.assertEqual(out["error"]["name"], "OTA_ERR_UNAUTHORIZED")
        self.write_config(token="s3cret")
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")


if __name__ == "__main__":
    unittest.main()
