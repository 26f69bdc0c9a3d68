"""End to end: WiFi, then cellular. With cellular_enabled, `ota` updates over
the system's network while the kernel says its interface is up, and over an
AT-command modem (tests/modem/modem_sim.py on a pseudo-terminal, which makes
the real HTTP requests) when it is not, or when a transfer breaks on it: the
file then resumes on the modem with a Range request. On the metered modem
the download is estimated before the first byte (deltas at their published
size) and refused above max_update_cost."""

import os
import shutil
import subprocess
import sys
import unittest

from harness import OTA_BIN, OtaTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
MODEM_SIM = os.path.join(HERE, "..", "modem", "modem_sim.py")

BIG = "".join(f"def handler_{i}(event):\n    return process(event, {i})\n" for i in range(600))
V1 = {"main.py": BIG, "lib/util.py": "X = 1\n" * 200}


class Cellular(OtaTestCase):
    def setUp(self):
        super().setUp()
        self.modems = []
        self.sys = os.path.join(self.tmp, "sys")

    def tearDown(self):
        for proc in self.modems:
            proc.kill()
            proc.wait()
            proc.stdout.close()
        super().tearDown()

    def modem(self, *faults):
        proc = subprocess.Popen([sys.executable, MODEM_SIM, "--family", "sim7600",
                                 "--log", os.path.join(self.tmp, "modem.log"), *faults],
                                stdout=subprocess.PIPE, text=True)
        self.modems.append(proc)
        return proc.stdout.readline().strip()

    def interface(self, name, state):
        d = os.path.join(self.sys, "sys", "class", "net", name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "operstate"), "w") as f:
            f.write(state + "\n")

    def configure(self, wifi, tty, **extra):
        self.interface(wifi[0], wifi[1])
        self.write_config(interface=wifi[0], sysfs_root=self.sys, cellular_enabled=True,
                          cellular_device=tty, cellular_apn="internet", cellular_tech="ltem",
                          cellular_cost_per_mb=0.5, **extra)

    def modem_commands(self):
        with open(os.path.join(self.tmp, "modem.log")) as f:
            return f.read().splitlines()

    def test_wifi_down_then_cellular_completes_and_verifies(self):
        self.repo.commit(V1, "v1")
        self.configure(("wlan9", "down"), self.modem())
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertEqual(out["link"]["name"], "cellular")
        self.assertEqual(out["link"]["signal_dbm"], -73)  # AT+CSQ 20
        self.assertTrue(out["link"]["metered"])
        self.assert_device_matches()
        self.assertTrue(any(c.startswith('AT+CGDCONT=1,"IP","internet"')
                            for c in self.modem_commands()))
        # the estimate, made before the first file, is what the files cost
        self.assertAlmostEqual(out["estimated_bytes"], out["file_bytes_received"],
                               delta=out["file_bytes_received"] * 0.02)
        self.assertEqual(out["estimated_cost_milli"],
                         (out["estimated_bytes"] * 500 + 999999) // 1000000)

    def test_wifi_up_is_preferred(self):
        self.repo.commit(V1, "v1")
        self.configure(("lo", "up"), self.modem())
        os.makedirs(os.path.join(self.sys, "proc", "net"))
        with open(os.path.join(self.sys, "proc", "net", "wireless"), "w") as f:
            f.write("Inter-| sta-|   Quality        |   Discarded packets      | Missed | WE\n"
                    " face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n"
                    "    lo: 0000   40.  -67.  -256        0      0      0      0      0        0\n")
        code, out, _ = self.ota("update")
        self.assertEqual(out["link"]["name"], "lo")
        self.assertEqual(out["link"]["signal_dbm"], -67)  # the kernel's RSSI
        self.assertFalse(out["link"]["metered"])
        self.assertNotIn("estimated_bytes", out)
        self.assertEqual([c for c in self.modem_commands() if c.startswith("AT+HTTP")], [])

    def test_dropped_mid_file_resumes_on_cellular_by_range(self):
        self.repo.commit(V1, "v1")
        self.configure(("lo", "up"), self.modem())
        # (the first answer is compressed: cut it early)
        self.server.control([{"host": "raw", "path": "main.py", "truncate_after": 1500,
                              "count": 1}])
        code, out, _ = self.ota("update")
        self.assertEqual(out["status"], "installed")
        self.assertEqual(out["link"]["name"], "cellular")
        self.assert_device_matches()
        main = [r for r in self.requests("raw") if r["path"].endswith("/main.py")]
        self.assertEqual(len(main), 2)
        self.assertRegex(main[1]["headers"].get("Range", ""), r"^bytes=[1-9]\d*-$")
        self.assertEqual(main[1]["status"], 206)
        # nothing verified came twice: the decoded bytes add up to the files
        self.assertEqual(out["file_bytes_received"], len(BIG) + len(V1["lib/util.py"]))

    def test_deltas_on_the_metered_link_and_their_estimate(self):
        self.repo.commit(V1, "v1")
        self.configure(("wlan9", "down"), self.modem())
        self.ota("update")
        before, after = os.path.join(self.tmp, "before"), os.path.join(self.tmp, "after")
        files = dict(V1)
        self.write_tree(before, files)
        files["main.py"] = BIG.replace("process(event, 77)", "handle(event, 77)")
        self.write_tree(after, files)
        subprocess.run([OTA_BIN, "delta", before, after, "-o",
                        os.path.join(self.repo.path, ".deltas"), "-q"], check=True)
        self.repo.commit({"main.py": files["main.py"]}, "v2")
        code, out, _ = self.ota("update")  # enable_delta_updates is off: the link decides
        self.assertEqual(out["status"], "installed")
        self.assertEqual(out["files_by_delta"], 1)
        self.assertLess(out["file_bytes_received"], len(BIG) // 20)
        self.assertAlmostEqual(out["estimated_bytes"], out["file_bytes_received"],
                               delta=max(1, out["file_bytes_received"] * 0.02))

    def write_tree(self, root, files):
        shutil.rmtree(root, ignore_errors=True)
        for rel, data in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(data)

    def test_cost_ceiling_refuses_before_downloading(self):
        self.repo.commit(V1, "v1")
        self.configure(("wlan9", "down"), self.modem(), max_update_cost=0.001)
        code, out, _ = self.ota("update", expect=12)
        self.assertEqual(out["error"]["name"], "OTA_ERR_COST")
        self.assertIn("max_update_cost", out["error"]["reason"])
        self.assertGreater(out["estimated_bytes"], len(BIG))
        self.assertFalse(os.path.exists(os.path.join(self.device, "main.py")))
        self.assertEqual([r for r in self.requests("raw") if r["path"].endswith(".py")], [])

    def test_no_link_at_all_is_a_clear_error(self):
        self.repo.commit(V1, "v1")
        self.configure(("wlan9", "down"), self.modem("--no-sim"))
        code, out, _ = self.ota("update", expect=4)
        self.assertEqual(out["error"]["name"], "OTA_ERR_NO_LINK")
        self.assertFalse(os.path.exists(os.path.join(self.device, "main.py")))


if __name__ == "__main__":
    unittest.main()
