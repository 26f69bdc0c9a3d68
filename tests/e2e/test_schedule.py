"""End to end: update scheduling and headless hardware with the real `ota`.
The schedule defers without sending a request (exit 12, the reason in the
JSON and in `check --explain`): outside the update window, before the
minimum interval (remembered in .ota_health across runs), on a low battery
(a fake power_supply tree), after crashes reported with `ota health --crash`
(or a version on trial reverted), and outside the canary share. The Linux
watchdog and status LED are driven through a fake sysfs tree."""

import json
import os
import time
import unittest

from harness import OtaTestCase
from test_stable_manifest import ManifestCase

V1 = {"main.py": "print('v1')\n", "lib/util.py": "X = 1\n"}
V2 = {"main.py": "print('v2')\n"}


def hours_from_now(offset, length):
    start = (time.localtime().tm_hour + offset) % 24
    return start, (start + length) % 24


class Schedule(OtaTestCase):
    def schedule(self, **block):
        extra = {k: block.pop(k) for k in list(block) if not k.startswith("_")
                 and k in ("min_battery_percent_top", "sysfs_root", "max_trial_boots")}
        top = {}
        if "min_battery_percent_top" in extra:
            top["min_battery_percent"] = extra.pop("min_battery_percent_top")
        top.update(extra)
        self.write_config(update_scheduling=block, **top)

    def test_outside_the_window_no_request_is_sent(self):
        start, end = hours_from_now(2, 1)
        self.schedule(update_window_start_hour=start, update_window_end_hour=end)
        self.repo.commit(V1, "v1")
        code, out, err = self.ota("update", expect=12)
        self.assertEqual(out["status"], "deferred")
        self.assertEqual(out["error"]["name"], "OTA_ERR_DEFERRED")
        self.assertEqual(out["schedule"]["reason"], "window")
        self.assertIn("window", out["schedule"]["deferred_by"])
        self.assertGreater(out["schedule"]["retry_at"], time.time())
        self.assertEqual(self.requests(), [])
        self.assertFalse(os.path.exists(os.path.join(self.device, "version.json")))
        proc = self.explain()
        self.assertEqual(proc.returncode, 12)
        self.assertIn("outside the update window", proc.stderr + proc.stdout)
        # --force passes the schedule by
        code, out, _ = self.ota("update", "--force")
        self.assertEqual(out["status"], "installed")

    def explain(self):
        import subprocess
        from harness import OTA_BIN
        return subprocess.run([OTA_BIN, "check", "--explain", "--root", self.device],
                              capture_output=True, text=True, timeout=60)

    def test_inside_the_window_updates(self):
        start, end = hours_from_now(0, 2)
        self.schedule(update_window_start_hour=start, update_window_end_hour=end)
        self.repo.commit(V1, "v1")
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertEqual(out["schedule"]["decision"], "go")
        self.assert_device_matches()

    def test_interval_is_remembered_across_runs(self):
        self.schedule(min_update_interval_sec=3600)
        self.repo.commit(V1, "v1")
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.repo.commit(V2, "v2")
        self.server.reset()
        code, out, _ = self.ota("update", expect=12)
        self.assertEqual(out["schedule"]["reason"], "interval")
        self.assertEqual(self.requests(), [])
        code, status, _ = self.ota("status")
        last = status["health"]["last_check"]
        self.assertAlmostEqual(status["next_check_at"], last + 3600, delta=1)
        self.assertLessEqual(abs(last - time.time()), 60)

    def test_crashes_defer_until_a_healthy_start(self):
        self.schedule(max_crashes_before_delay=2, crash_delay_sec=3600)
        self.repo.commit(V1, "v1")
        self.ota("health", "--crash=-11")
        code, out, _ = self.ota("health", "--crash")
        self.assertEqual(out["health"]["crashes"], 2)
        self.assertEqual(out["health"]["last_error"], "OTA_ERR_ABORTED")
        self.assertEqual(out["schedule"]["reason"], "crashes")
        code, out, _ = self.ota("update", expect=12)
        self.assertEqual(out["schedule"]["reason"], "crashes")
        self.assertEqual(self.requests(), [])
        code, out, _ = self.ota("health", "--ok")
        self.assertEqual((out["health"]["crashes"], out["health"]["healthy_boots"]), (0, 1))
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")

    def test_an_unconfirmed_version_reverted_counts_as_a_crash(self):
        self.schedule(max_crashes_before_delay=1, max_trial_boots=1)
        self.repo.commit(V1, "v1")
        self.ota("update")
        self.repo.commit(V2, "v2")
        self.ota("update")
        self.ota("boot")
        self.ota("boot")  # the second boot of an unconfirmed version reverts it
        code, out, _ = self.ota("health")
        self.assertEqual(out["health"]["crashes"], 1)
        self.assertEqual(out["schedule"]["reason"], "crashes")

    def test_canary_share(self):
        self.repo.commit(V1, "v1")
        self.schedule(rollout_percent=0, device_id="device-1")
        code, out, _ = self.ota("update")  # a fresh device takes what is current
        self.assertEqual(out["status"], "installed")
        self.repo.commit(V2, "v2")
        self.server.reset()
        code, out, _ = self.ota("update", expect=12)
        self.assertEqual(out["schedule"]["reason"], "canary")
        self.assertEqual(len(self.requests("api")), 1)  # the target had to be known
        self.schedule(rollout_percent=100, device_id="device-1")
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")

    def test_canary_answer_is_stable_for_a_device(self):
        self.repo.commit(V1, "v1")
        answers = []
        for device_id in ("a", "b", "c", "d", "e", "f"):
            self.schedule(rollout_percent=50, device_id=device_id)
            first = self.ota("check", expect=None)[0]
            again = self.ota("check", expect=None)[0]
            self.assertEqual(first, again)
            answers.append(first)
        self.assertTrue(set(answers) <= {10, 12})


class ManifestRollout(ManifestCase):
    """A signed manifest's rollout_percent wins over the configuration's."""

    def setUp(self):
        super().setUp()
        self.write_config(public_key=self.public_key,
                          update_scheduling={"rollout_percent": 100, "device_id": "d1"})

    def test_manifest_share_zero_defers_though_config_says_all(self):
        self.publish(V1, "v1.0.0", 1, extra=("--rollout-percent", "0"))
        code, out, _ = self.ota("update")  # a fresh device is not held back
        self.assertEqual(out["status"], "installed")
        self.publish(V2, "v2.0.0", 2, extra=("--rollout-percent", "0"))
        code, out, _ = self.ota("update", expect=12)
        self.assertEqual(out["schedule"]["reason"], "canary")
        self.assertIn("0%", out["schedule"]["explain"])
        with open(os.path.join(self.device, "main.py")) as f:
            self.assertEqual(f.read(), V1["main.py"])
        # held back, the device remembers the share: no manifest again
        self.server.reset()
        code, out, _ = self.ota("update", expect=12)
        self.assertEqual(out["schedule"]["reason"], "canary")
        self.assertEqual([r["path"] for r in self.requests() if "assets" in r["path"]], [])

    def test_manifest_share_all_installs_though_config_says_none(self):
        self.write_config(public_key=self.public_key,
                          update_scheduling={"rollout_percent": 0, "device_id": "d1"})
        self.publish(V1, "v1.0.0", 1, extra=("--rollout-percent", "100"))
        self.ota("update")
        self.publish(V2, "v2.0.0", 2, extra=("--rollout-percent", "100"))
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        with open(os.path.join(self.device, "main.py")) as f:
            self.assertEqual(f.read(), V2["main.py"])


class Battery(OtaTestCase):
    def fake_battery(self, capacity, status="Discharging"):
        root = os.path.join(self.tmp, "sys")
        supply = os.path.join(root, "sys", "class", "power_supply", "BAT0")
        os.makedirs(supply, exist_ok=True)
        for name, value in (("type", "Battery"), ("capacity", str(capacity)),
                            ("status", status)):
            with open(os.path.join(supply, name), "w") as f:
                f.write(value + "\n")
        return root

    def test_gate_at_the_boundary(self):
        self.repo.commit(V1, "v1")
        root = self.fake_battery(19)
        self.write_config(min_battery_percent=20, sysfs_root=root)
        code, out, _ = self.ota("update", expect=12)
        self.assertEqual(out["error"]["name"], "OTA_ERR_LOW_BATTERY")
        self.assertIn("19", out["error"]["reason"])
        self.assertEqual(self.requests(), [])
        self.fake_battery(20)
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")

    def test_charging_passes_the_gate(self):
        self.repo.commit(V1, "v1")
        root = self.fake_battery(5, status="Charging")
        self.write_config(min_battery_percent=20, sysfs_root=root)
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")


class Hardware(OtaTestCase):
    def test_buffer_follows_free_memory(self):
        self.repo.commit(V1, "v1")
        root = os.path.join(self.tmp, "sys")
        os.makedirs(os.path.join(root, "proc"))
        sizes = {}
        for kib in (8 * 1024, 64 * 1024, 512 * 1024):
            with open(os.path.join(root, "proc", "meminfo"), "w") as f:
                f.write("MemTotal: 1048576 kB\nMemAvailable: %d kB\n" % kib)
            self.write_config(sysfs_root=root)
            code, out, _ = self.ota("status")
            sizes[kib] = out["engine_memory_bytes"]
        self.assertEqual(sizes[64 * 1024] - sizes[8 * 1024], (16 << 10) - 4096)
        self.assertEqual(sizes[512 * 1024] - sizes[8 * 1024], (64 << 10) - 4096)
        self.write_config(sysfs_root=root, chunk=2048)  # a configured chunk wins
        code, out, _ = self.ota("status")
        self.assertEqual(sizes[8 * 1024] - out["engine_memory_bytes"], 4096 - 2048)

    def test_watchdog_fed_and_released_led_driven(self):
        root = os.path.join(self.tmp, "sys")
        gpio = os.path.join(root, "sys", "class", "gpio", "gpio25")
        os.makedirs(gpio)
        for name, value in (("direction", "out"), ("value", "0")):
            with open(os.path.join(gpio, name), "w") as f:
                f.write(value + "\n")
        os.makedirs(os.path.join(root, "dev"))
        watchdog = os.path.join(root, "dev", "watchdog")
        open(watchdog, "w").close()
        self.repo.commit(V1, "v1")
        self.write_config(sysfs_root=root, watchdog_timeout_ms=8000, status_led_pin=25)
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        with open(watchdog, "rb") as f:
            fed = f.read()
        self.assertGreater(len(fed), 2)          # fed while it worked
        self.assertEqual(fed[-1:], b"V")          # and released with the magic close
        with open(os.path.join(gpio, "value")) as f:
            self.assertEqual(f.read().strip(), "0")  # dark after 3 blinks


if __name__ == "__main__":
    unittest.main()
