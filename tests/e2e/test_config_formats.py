"""Configuration files as users write them: the same settings in JSON, YAML
and TOML load to the same effective configuration; every example of the
original system's documentation loads; broken files are refused with their
message, file and line, exit code 3, and nothing on the device touched."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import OTA_BIN, Repo, Server, snapshot

FORMATS = ("json", "yaml", "toml")


# ---- writing one configuration in each format --------------------------------
# Strings are written as JSON writes them: a JSON string is also a YAML
# double-quoted scalar and a TOML basic string.

def scalar(v):
    return json.dumps(v, ensure_ascii=False)


def to_json(config):
    """One member a line, as in to_yaml and to_toml, so lines compare."""
    def members(obj, indent):
        return ",\n".join(
            f'{indent}{scalar(k)}: {{\n{members(v, indent + "  ")}\n{indent}}}'
            if isinstance(v, dict) else f"{indent}{scalar(k)}: {scalar(v)}"
            for k, v in obj.items())
    return "{\n" + members(config, "  ") + "\n}\n"


def to_yaml(config):
    lines = []
    for key, value in config.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {k}: {scalar(v)}" for k, v in value.items()]
        elif isinstance(value, list):
            lines.append(f"{key}: [{', '.join(scalar(v) for v in value)}]")
        else:
            lines.append(f"{key}: {scalar(value)}")
    return "\n".join(lines) + "\n"


def to_toml(config):
    lines, tables = [], []
    for key, value in config.items():
        if isinstance(value, dict):
            tables += ["", f"[{key}]"] + [f"{k} = {scalar(v)}" for k, v in value.items()]
        elif isinstance(value, list):
            lines.append(f"{key} = [{', '.join(scalar(v) for v in value)}]")
        else:
            lines.append(f"{key} = {scalar(value)}")
    return "\n".join(lines + tables) + "\n"


WRITERS = {"json": to_json, "yaml": to_yaml, "toml": to_toml}

# Every field `ota config show` reports, away from its default, with strings
# that need escaping; and fields of later features, which are checked too.
FULL = {
    "owner": "acme", "repo": "app", "channel": "stable", "branch": "release/1.x",
    "tag": "v1.2.3", "token": "ghp_abc\"def\\ghi",
    "allow": ["main.py", "lib/", "données/é.txt", "emoji-😀.py"],
    "ignore": ["lib/tests", "tab\there"],
    "stage_dir": "var/stage", "backup_dir": "var/backup",
    "api_url": "http://127.0.0.1:1/api/v3", "raw_url": "http://127.0.0.1:1/raw",
    "user_agent": "fleet/7 (\"pico\")", "retries": 7, "backoff_sec": 2,
    "max_backoff_sec": 120, "connect_timeout_sec": 5, "http_timeout_sec": 9,
    "chunk": 8192, "force": True, "reset_mode": "soft",
    "restart_command": "systemctl restart 'app' && echo \"done\" \\", "sha256_sidecar": "SHA256SUMS",
    "public_key": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "manifest_key": "hmac-secret", "ssid": "home", "password": "wifi-secret",
    "interface": "wlan0", "ca_file": "/etc/ssl/certs/ca-certificates.crt", "debug": True,
    "watchdog_timeout_ms": 8000, "battery_divider_ratio": 2.0, "lora_spi_pins": [18, 19, 16],
    "cellular_cost_per_mb": 0.5, "update_scheduling": {"rollout_percent": 20,
                                                       "power_source": "solar"},
}

# ---- the original system's documentation (seed/original-system.txt) ----------
ORIGINAL_JSON = (
    '{ "owner": "YOUR_GITHUB_USERNAME", "repo": "ota", "ssid": "YOUR_WIFI_SSID", '
    '"password": "YOUR_WIFI_PASSWORD", "channel": "developer", "branch": "main", '
    '"token": "", "allow": ["README.md"], "ignore": [], "chunk": 512, '
    '"stage_dir": ".ota_stage", "backup_dir": ".ota_backup", "connect_timeout_sec": 20, '
    '"http_timeout_sec": 20, "retries": 3, "backoff_sec": 3, "reset_mode": "hard", '
    '"debug": false }\n')

ORIGINAL_YAML = """\
owner: YOUR_GITHUB_USERNAME
repo: ota
ssid: YOUR_WIFI_SSID
password: YOUR_WIFI_PASSWORD
channel: developer
branch: main
allow: [README.md]
ignore: []
chunk: 512
connect_timeout_sec: 20
http_timeout_sec: 20
retries: 3
backoff_sec: 3
reset_mode: hard
debug: false
"""

ORIGINAL_TOML = """\
owner = "YOUR_GITHUB_USERNAME"
repo = "ota"
ssid = "YOUR_WIFI_SSID"
password = "YOUR_WIFI_PASSWORD"
channel = "developer"
branch = "main"
allow = ["README.md"]
ignore = []
chunk = 512
connect_timeout_sec = 20
http_timeout_sec = 20
retries = 3
backoff_sec = 3
force = false
reset_mode = "hard"
debug = false
"""

# The blocks its headless, retry, delta, connectivity and scheduling sections
# show, each added to the example above as a user would.
ORIGINAL_BLOCKS = {
    "watchdog": {"watchdog_timeout_ms": 8000},
    "status LED": {"status_led_pin": 25},
    "battery": {"battery_adc_pin": 26, "battery_divider_ratio": 2.0, "battery_v_max": 4.2,
                "battery_v_min": 3.0, "min_battery_percent": 20},
    "retries": {"retries": 5, "backoff_sec": 3, "max_backoff_sec": 60},
    "delta": {"enable_delta_updates": True},
    "cellular": {"ssid": "wifi-ssid", "password": "wifi-password", "cellular_enabled": True,
                 "cellular_apn": "your.apn.com", "cellular_uart": 1, "cellular_tx_pin": 4,
                 "cellular_rx_pin": 5, "cellular_baud": 115200, "cellular_tech": "nbiot",
                 "cellular_cost_per_mb": 0.50},
    "lora": {"ssid": "wifi-ssid", "password": "wifi-password", "lora_enabled": True,
             "lora_spi_pins": [18, 19, 16], "lora_cs_pin": 17, "lora_rst_pin": 20,
             "lora_freq": 915000000},
    "update_scheduling": {"update_scheduling": {
        "min_update_interval_sec": 3600, "update_window_start_hour": 10,
        "update_window_end_hour": 15, "power_source": "solar", "min_battery_percent": 60,
        "max_crashes_before_delay": 3, "rollout_percent": 20}},
}


def run(*args, env=None):
    return subprocess.run([OTA_BIN, *args], capture_output=True, text=True, timeout=60,
                          env=env)


class Workdir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ota-config-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def show(self, path, env=None):
        proc = run("config", "show", "--json", "-c", path, env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def warnings(self, path):
        proc = run("config", "check", "--json", "-c", path)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return sorted(re.sub(r"^line \d+: ", "", w) for w in json.loads(proc.stdout)["warnings"])

    def assert_same_in_every_format(self, config, name="ota_config"):
        """Writes config in the three formats; returns the one `config show`."""
        paths = {fmt: self.write(f"{name}.{fmt}", WRITERS[fmt](config)) for fmt in FORMATS}
        shown = {fmt: self.show(path) for fmt, path in paths.items()}
        warned = {fmt: self.warnings(path) for fmt, path in paths.items()}
        for fmt in FORMATS[1:]:
            self.assertEqual(shown[fmt], shown["json"], fmt)
            self.assertEqual(warned[fmt], warned["json"], fmt)
        return json.loads(shown["json"]), warned["json"]


class SameSettings(Workdir):
    def test_every_field_reads_the_same_in_json_yaml_and_toml(self):
        shown, warnings = self.assert_same_in_every_format(FULL)
        for key, value in FULL.items():
            if key in shown and key not in ("token", "password", "manifest_key"):
                self.assertEqual(shown[key], value, key)
        self.assertEqual((shown["token"], shown["password"], shown["manifest_key"]),
                         ("***", "***", "***"))
        self.assertEqual(warnings, [
            '"lora_spi_pins" is not supported by this build yet; ignored'])

    def test_hand_written_styles_read_the_same(self):
        base = {"owner": "acme", "repo": "app", "channel": "developer",
                "allow": ["main.py", "lib/"], "ignore": ["lib/tests"], "retries": 5,
                "debug": True, "token": None}
        yaml = self.write("styles.yaml", """\
# block style, comments, plain and quoted scalars, YAML's empty value
owner: acme          # the GitHub user
repo: 'app'
channel: "developer"
allow:
  - main.py
  - lib/
ignore: [ lib/tests ]
retries: 5
debug: True
token:
""")
        toml = self.write("styles.toml", """\
# comments, an array across lines with a trailing comma
owner = "acme"   # the GitHub user
repo = "app"
channel = "developer"
allow = [
  "main.py",   # the application
  "lib/",
]
ignore = ["lib/tests"]
retries = 5
debug = true
""")
        plain = self.write("styles.json", json.dumps(base))
        self.assertEqual(self.show(yaml), self.show(plain))
        self.assertEqual(self.show(toml), self.show(plain))

    def test_any_other_extension_is_json(self):
        path = self.write("ota.conf", to_json(FULL))
        self.assertEqual(self.show(path), self.show(self.write("full.json", to_json(FULL))))
        path = self.write("ota.conf", to_yaml(FULL))
        self.assertIn("malformed JSON", run("config", "check", "-c", path).stderr)

    def test_secrets_from_the_environment_win(self):
        path = self.write("ota_config.yaml", "owner: acme\nrepo: app\nchannel: stable\n"
                                             "token: from-file\n")
        env = dict(os.environ, OTA_TOKEN="", OTA_MANIFEST_KEY="")
        shown = json.loads(self.show(path, env))
        self.assertEqual((shown["token"], shown["manifest_key"]), ("***", None))
        env.update(OTA_TOKEN="ghp_env", OTA_MANIFEST_KEY="hmac-env")
        proc = run("config", "show", "-c", path, env=env)
        shown = json.loads(proc.stdout)
        self.assertEqual((shown["token"], shown["manifest_key"]), ("***", "***"))
        self.assertNotIn("env", proc.stdout + proc.stderr)


class OriginalExamples(Workdir):
    def test_the_documented_json_yaml_and_toml_examples_load_alike(self):
        shown = {fmt: self.show(self.write(f"ota_config.{fmt}", text)) for fmt, text in
                 (("json", ORIGINAL_JSON), ("yaml", ORIGINAL_YAML), ("toml", ORIGINAL_TOML))}
        self.assertEqual(shown["yaml"], shown["json"])
        self.assertEqual(shown["toml"], shown["json"])
        settings = json.loads(shown["json"])
        self.assertEqual((settings["owner"], settings["allow"], settings["chunk"],
                          settings["reset_mode"]), ("YOUR_GITHUB_USERNAME", ["README.md"], 512,
                                                    "hard"))

    def test_every_documented_block_loads_in_every_format(self):
        base = json.loads(ORIGINAL_JSON)
        everything = dict(base)
        for name, block in ORIGINAL_BLOCKS.items():
            everything.update(block)
            with self.subTest(block=name):
                _shown, warnings = self.assert_same_in_every_format(
                    dict(base, **block), name.replace(" ", "_"))
                self.assertFalse([w for w in warnings if "unknown" in w], warnings)
        _shown, warnings = self.assert_same_in_every_format(everything, "everything")
        # enable_delta_updates, the watchdog, LED, battery, update_scheduling
        # and cellular are supported; the LoRa radio's wiring is not, and a
        # modem given by UART pins is not one Linux can open
        self.assertEqual(len(warnings), 6)
        self.assertEqual(len([w for w in warnings if "not supported by this build yet" in w]), 5)
        self.assertIn('"cellular_enabled" without "cellular_device"', "\n".join(warnings))


class SearchOrder(Workdir):
    def test_json_then_yaml_then_yml_then_toml(self):
        for owner, fmt in (("j", "json"), ("y", "yaml"), ("m", "yml"), ("t", "toml")):
            writer = WRITERS["yaml" if fmt == "yml" else fmt]
            self.write(f"ota_config.{fmt}", writer({"owner": owner, "repo": "app",
                                                    "channel": "developer"}))
        for owner, fmt in (("j", "json"), ("y", "yaml"), ("m", "yml"), ("t", "toml")):
            proc = run("config", "show", "--root", self.tmp)
            self.assertEqual(json.loads(proc.stdout)["owner"], owner, proc.stderr)
            os.remove(os.path.join(self.tmp, f"ota_config.{fmt}"))
        proc = run("config", "check", "--root", self.tmp)
        self.assertEqual(proc.returncode, 3)
        self.assertIn("ota_config.json: No such file or directory", proc.stderr)


# ---- broken files -------------------------------------------------------------
BASE_JSON = '"owner": "acme", "repo": "app", "channel": "developer"'
BASE_YAML = "owner: acme\nrepo: app\nchannel: developer\n"
BASE_TOML = 'owner = "acme"\nrepo = "app"\nchannel = "developer"\n'

# (format, file content, expected reason after "FILE: ")
BROKEN = [
    ("json", '{' + BASE_JSON + ',}', 'line 1: malformed JSON'),
    ("json", '{' + BASE_JSON, 'line 1: JSON document ended early'),
    ("json", '["owner", "acme"]', 'line 1: the configuration must be a JSON object'),
    ("json", '{"owner": "acme", "channel": "developer"}', '"repo" is required'),
    ("json", '{"owner": "", "repo": "app", "channel": "developer"}', '"owner" is required'),
    ("json", '{"owner": "acme", "repo": "app"}',
     '"channel" is required: "stable" or "developer"'),
    ("json", '{' + BASE_JSON + ',\n"retries": "three"}',
     'line 2: "retries" must be an integer from 0 to 100'),
    ("json", '{' + BASE_JSON + ',\n"repo": "other"}',
     'line 2: "repo" is given twice (first on line 1)'),
    ("json", '{' + BASE_JSON + ',\n"allow": "main.py"}',
     'line 2: "allow" must be a list of strings'),
    ("json", '{' + BASE_JSON + ',\n"public_key": "nope"}',
     '"public_key" is not an Ed25519 public key: give 64 hex digits, the base64 '
     '`ota keygen` prints, or a PEM PUBLIC KEY'),
    ("json", '{' + BASE_JSON + ',\n"branch": "' + "b" * 5000 + '"}',
     'line 2: value of "branch" is too long'),
    ("json", '{' + BASE_JSON + ',\n"update_scheduling": []}',
     'line 2: "update_scheduling" must be an object of fields (a YAML mapping, '
     'a TOML [table])'),
    ("yaml", BASE_YAML + "\tretries: 3\n", 'line 4: YAML syntax error: found a tab character '
     'that violates indentation (while scanning a plain scalar)'),
    ("yaml", "owner: acme\n  repo: app\n",
     'line 2: YAML syntax error: mapping values are not allowed in this context'),
    ("yaml", BASE_YAML + 'branch: "main\n', 'line 5: YAML syntax error: found unexpected end '
     'of stream (while scanning a quoted scalar)'),
    ("yaml", "- owner\n- repo\n", 'line 1: the configuration must be a YAML mapping'),
    ("yaml", BASE_YAML + "debug: yes\n", 'line 4: "debug" must be true or false'),
    ("yaml", BASE_YAML + "chunk: 2000000\n",
     'line 4: "chunk" must be an integer from 0 to 1048576'),
    ("yaml", BASE_YAML + "channel: nightly\n",
     'line 4: "channel" is given twice (first on line 3)'),
    ("yaml", "owner: acme\nrepo: app\nchannel: nightly\n",
     'line 3: "channel" must be "stable" or "developer"'),
    ("yaml", BASE_YAML + "reset_mode: reboot\n",
     'line 4: "reset_mode" must be "hard", "soft" or "none"'),
    ("yaml", BASE_YAML + "update_scheduling:\n  rollout_percent: 150\n",
     'line 5: "update_scheduling.rollout_percent" must be an integer from 0 to 100'),
    ("yaml", BASE_YAML + "base: &b main\nbranch: *b\n", 'line 4: YAML anchors (&b) are not '
     'supported'),
    ("yaml", BASE_YAML + "branch: *b\n", 'line 4: YAML aliases (*b) are not supported'),
    ("yaml", BASE_YAML + "branch: !!str main\n",
     'line 4: YAML tags (tag:yaml.org,2002:str) are not supported'),
    ("yaml", BASE_YAML + "---\nbranch: main\n", 'line 4: more than one YAML document (---)'),
    ("yaml", BASE_YAML + "retries: -1\n", 'line 4: "retries" must be an integer from 0 to 100'),
    ("toml", BASE_TOML + "reset_mode = hard\n",
     "line 4: 'hard' is not a TOML value (strings need double quotes)"),
    ("toml", BASE_TOML + "branch = 'main'\n",
     "line 4: TOML literal strings ('...') are not supported; use double quotes"),
    ("toml", BASE_TOML + 'branch = """main"""\n',
     "line 4: TOML multi-line strings (\"\"\" or ''') are not supported"),
    ("toml", BASE_TOML + "update_scheduling = { rollout_percent = 20 }\n",
     "line 4: TOML inline tables ({...}) are not supported; use a [table] section"),
    ("toml", BASE_TOML + "update_scheduling.rollout_percent = 20\n",
     "line 4: TOML dotted keys (a.b = ...) are not supported; use a [table] section"),
    ("toml", BASE_TOML + "[[update_scheduling]]\n",
     "line 4: TOML arrays of tables ([[...]]) are not supported"),
    ("toml", BASE_TOML + "[update_scheduling.window]\n",
     "line 4: TOML nested tables ([a.b]) are not supported"),
    ("toml", BASE_TOML + '"branch" = "main"\n',
     "line 4: TOML quoted keys are not supported; write the name bare"),
    ("toml", BASE_TOML + "lora_spi_pins = [[18, 19], 16]\n",
     "line 4: TOML nested arrays are not supported"),
    ("toml", BASE_TOML + "installed = 2024-05-27T07:32:00Z\n",
     "line 4: TOML dates and times are not supported"),
    ("toml", BASE_TOML + "chunk = 0x1000\n",
     "line 4: TOML hexadecimal, octal and binary integers are not supported"),
    ("toml", BASE_TOML + "chunk = 4_096\n", "line 4: TOML underscores in numbers are not "
     "supported"),
    ("toml", BASE_TOML + "battery_v_max = inf\n", "line 4: TOML inf and nan are not supported"),
    ("toml", BASE_TOML + "retries = +3\n",
     "line 4: TOML numbers with a leading + are not supported"),
    ("toml", BASE_TOML + "retries = 3.5\n", 'line 4: "retries" must be an integer from 0 to 100'),
    ("toml", BASE_TOML + "retries = 03\n", "line 4: invalid number 03"),
    ("toml", BASE_TOML + 'branch = "main\n',
     'line 4: unterminated string: a closing " is missing'),
    ("toml", BASE_TOML + 'branch = "ma\\qin"\n', "line 4: invalid escape \\q in a string"),
    ("toml", BASE_TOML + 'allow = ["main.py",\n  "lib/"\n',
     "line 6: unterminated array: a closing ] is missing"),
    ("toml", BASE_TOML + 'branch "main"\n', "line 4: expected = after branch"),
    ("toml", 'owner = "acme" repo = "app"\n',
     "line 1: unexpected 'r'; one `key = value` or [table] per line"),
    ("toml", BASE_TOML + "[update_scheduling]\nrollout_percent = 20\n[update_scheduling]\n",
     'line 6: "update_scheduling" is given twice (first on line 4)'),
    ("toml", BASE_TOML + "battery_v_max = -4.2\n",
     'line 4: "battery_v_max" must be a non-negative number'),
    ("toml", BASE_TOML + 'branch = "a\x01b"\n', "line 4: control character 0x01"),
    ("toml", BASE_TOML + 'branch = "\xff"\n', "line 4: invalid UTF-8"),
]


class BrokenConfigs(unittest.TestCase):
    """A device with v1 installed and v2 waiting on the server: a broken
    configuration stops every command before a request or a file write."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ota-broken-")
        cls.device = os.path.join(cls.tmp, "device")
        os.makedirs(cls.device)
        cls.repo = Repo(os.path.join(cls.tmp, "repos"))
        cls.server = Server(os.path.join(cls.tmp, "repos"), cls.tmp)
        cls.repo.commit({"main.py": "print('v1')\n"}, "v1")
        with open(os.path.join(cls.device, "ota_config.json"), "w") as f:
            json.dump({"owner": "acme", "repo": "app", "channel": "developer",
                       "api_url": cls.server.api, "raw_url": cls.server.raw}, f)
        proc = run("update", "--root", cls.device)
        assert proc.returncode == 0, proc.stderr
        cls.repo.commit({"main.py": "print('v2')\n"}, "v2")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def install(self, fmt, content):
        for name in os.listdir(self.device):
            if name.startswith("ota_config."):
                os.remove(os.path.join(self.device, name))
        with open(os.path.join(self.device, f"ota_config.{fmt}"), "wb") as f:
            f.write(content.encode("utf-8", "surrogateescape"))

    def test_each_broken_file_is_refused_and_nothing_is_touched(self):
        self.assertGreaterEqual(len(BROKEN), 30)
        self.server.reset()
        for fmt, content, reason in BROKEN:
            with self.subTest(fmt=fmt, reason=reason):
                self.install(fmt, content.replace("\xff", "\udcff"))
                before = snapshot(self.device, skip=())
                for command in ("update", "config check"):
                    proc = run(*command.split(), "--root", self.device, "--json")
                    self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
                    error = json.loads(proc.stdout)["error"]
                    self.assertEqual(error["name"], "OTA_ERR_CONFIG")
                    self.assertEqual(error["reason"], f"{self.device}/ota_config.{fmt}: {reason}")
                self.assertEqual(snapshot(self.device, skip=()), before)
        self.assertEqual(self.server.log(), [])


class SameMistakeSameMessage(Workdir):
    """A wrong type or range reads the same whatever the format, with the
    line it is on."""

    MISTAKES = [
        ({"retries": "three"}, '"retries" must be an integer from 0 to 100'),
        ({"retries": 101}, '"retries" must be an integer from 0 to 100'),
        ({"chunk": 1.5}, '"chunk" must be an integer from 0 to 1048576'),
        ({"http_timeout_sec": 7200}, '"http_timeout_sec" must be an integer from 0 to 3600'),
        ({"debug": "yes"}, '"debug" must be true or false'),
        ({"force": 1}, '"force" must be true or false'),
        ({"owner": 5}, '"owner" must be a string'),
        ({"allow": "main.py"}, '"allow" must be a list of strings'),
        ({"ignore": ["lib", 3]}, '"ignore" must be a list of strings'),
        ({"channel": "nightly"}, '"channel" must be "stable" or "developer"'),
        ({"reset_mode": "reboot"}, '"reset_mode" must be "hard", "soft" or "none"'),
        ({"status_led_pin": "25"}, '"status_led_pin" must be an integer from 0 to 65535'),
        ({"battery_v_min": -1}, '"battery_v_min" must be a non-negative number'),
        ({"min_battery_percent": 120}, '"min_battery_percent" must be an integer from 0 to 100'),
        ({"lora_spi_pins": [18, "x"]}, '"lora_spi_pins" must be a list of non-negative integers'),
        ({"update_scheduling": 5}, '"update_scheduling" must be an object of fields '
                                   '(a YAML mapping, a TOML [table])'),
        ({"update_scheduling": {"update_window_end_hour": 24}},
         '"update_scheduling.update_window_end_hour" must be an integer from 0 to 23'),
    ]

    def test_each_mistake_reads_the_same_in_every_format(self):
        for override, message in self.MISTAKES:
            config = {"owner": "acme", "repo": "app", "channel": "developer", **override}
            key = re.match(r'"([a-z_]+)', message).group(1)
            for fmt in FORMATS:
                with self.subTest(fmt=fmt, message=message):
                    text = WRITERS[fmt](config)
                    path = self.write(f"mistake.{fmt}", text)
                    value = list(override.values())[0]
                    if isinstance(value, dict):  # the member's line, not the table's
                        key = list(value)[0]
                    line = 1 + next(i for i, l in enumerate(text.splitlines())
                                    if re.match(rf'\s*"?{key}"?\s*[:=]', l))
                    proc = run("config", "check", "-c", path, "--json")
                    self.assertEqual(proc.returncode, 3, proc.stdout)
                    self.assertEqual(json.loads(proc.stdout)["error"]["reason"],
                                     f"{path}: line {line}: {message}")


if __name__ == "__main__":
    unittest.main()
