"""Release signing: `ota keygen`, `ota sign` and `ota verify` against OpenSSL
in both directions, the RFC 8032 vectors through the POSIX port, and the
"public_key" and "manifest_key" configuration fields."""

import base64
import json
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

from harness import OTA_BIN

SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")

# RFC 8032, 7.1: public key, message, signature.
RFC8032 = [
    ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]


def run(*args, cwd=None):
    return subprocess.run([OTA_BIN, *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def openssl(*args, cwd=None, check=True):
    return subprocess.run(["openssl", *args], capture_output=True, cwd=cwd, check=check)


def raw_public_key(pub_pem_path):
    """The 32 raw bytes of a PEM public key, as OpenSSL reads them."""
    der = openssl("pkey", "-pubin", "-in", pub_pem_path, "-outform", "DER").stdout
    assert der[:12] == SPKI_PREFIX and len(der) == 44, der.hex()
    return der[12:]


class Tmp(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ota-keys-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return self.path(name)

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def openssl_key(self, name="o"):
        """A key pair made by OpenSSL: NAME.key and NAME.pub."""
        openssl("genpkey", "-algorithm", "ed25519", "-out", self.path(name + ".key"))
        openssl("pkey", "-in", self.path(name + ".key"), "-pubout", "-out", self.path(name + ".pub"))
        return self.path(name + ".key"), self.path(name + ".pub")

    def openssl_sign(self, key, file, sig):
        openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", file, "-out", sig)

    def openssl_verifies(self, pub, file, sig):
        return openssl("pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", file,
                       "-sigfile", sig, check=False).returncode == 0


class Help(unittest.TestCase):
    def test_each_tool_has_help(self):
        for cmd, option in (("keygen", "--out"), ("sign", "--key"), ("verify", "--pub")):
            with self.subTest(cmd=cmd):
                proc = run(cmd, "--help")
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertIn(f"usage: ota {cmd}", proc.stdout)
                self.assertIn(option, proc.stdout)
                self.assertIn("Exit codes", proc.stdout)
        top = run("--help").stdout
        for cmd in ("keygen", "sign", "verify", "update"):
            self.assertIn(cmd, top)
        self.assertEqual(run("update", "--help").returncode, 0)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run("keygen").returncode, 2)             # no --out
        self.assertEqual(run("keygen", "--out", "x", "extra").returncode, 2)
        self.assertEqual(run("keygen", "--bogus").returncode, 2)
        self.assertEqual(run("sign", "file").returncode, 2)       # no --key
        self.assertEqual(run("sign", "--key", "k").returncode, 2) # no FILE
        self.assertEqual(run("verify", "f", "s").returncode, 2)   # no --pub
        self.assertEqual(run("verify", "--pub", "k", "f").returncode, 2)
        self.assertEqual(run("verify", "--json").returncode, 2)


class Keygen(Tmp):
    def test_keys_are_openssl_keys(self):
        proc = run("keygen", "--out", self.path("rel"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        key, pub = self.path("rel.key"), self.path("rel.pub")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        openssl("pkey", "-in", key, "-noout")
        openssl("pkey", "-pubin", "-in", pub, "-noout")
        self.assertIn(b"-----BEGIN PRIVATE KEY-----", self.read("rel.key"))  # PKCS#8
        self.assertIn(b"-----BEGIN PUBLIC KEY-----", self.read("rel.pub"))
        # the .pub belongs to the .key, and stdout is its raw base64
        derived = openssl("pkey", "-in", key, "-pubout").stdout
        self.assertEqual(derived, self.read("rel.pub"))
        printed = proc.stdout.strip()
        self.assertEqual(base64.b64decode(printed, validate=True), raw_public_key(pub))
        self.assertIn(f'"public_key": "{printed}"', proc.stderr)
        self.assertEqual(run("keygen", "-q", "--out", self.path("q")).stderr, "")

    def test_refuses_to_overwrite_unless_forced(self):
        self.assertEqual(run("keygen", "--out", self.path("rel")).returncode, 0)
        before = self.read("rel.key"), self.read("rel.pub")
        proc = run("keygen", "--out", self.path("rel"))
        self.assertEqual(proc.returncode, 6)
        self.assertIn("--force", proc.stderr)
        self.assertEqual((self.read("rel.key"), self.read("rel.pub")), before)
        # an existing .pub alone also stops it, before any file is written
        self.write("other.pub", "keep")
        self.assertEqual(run("keygen", "--out", self.path("other")).returncode, 6)
        self.assertFalse(os.path.exists(self.path("other.key")))
        # --force replaces both, and the key is private again
        os.chmod(self.path("rel.key"), 0o644)
        self.assertEqual(run("keygen", "--force", "--out", self.path("rel")).returncode, 0)
        self.assertNotEqual(self.read("rel.key"), before[0])
        self.assertEqual(stat.S_IMODE(os.stat(self.path("rel.key")).st_mode), 0o600)
        openssl("pkey", "-in", self.path("rel.key"), "-noout")
        self.assertEqual([n for n in os.listdir(self.dir) if "XXX" in n or n.count(".") > 1], [])

    def test_unwritable_directory(self):
        proc = run("keygen", "--out", self.path("missing/dir/rel"))
        self.assertEqual(proc.returncode, 6)
        self.assertIn("cannot write", proc.stderr)


class Sign(Tmp):
    def test_ota_signature_verifies_with_openssl_and_matches_it(self):
        self.assertEqual(run("keygen", "-q", "--out", self.path("rel")).returncode, 0)
        app = self.write("app.bin", os.urandom(5000))
        proc = run("sign", "--key", self.path("rel.key"), app)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        sig = self.read("app.bin.sig")
        self.assertEqual(len(sig), 64)
        self.assertTrue(self.openssl_verifies(self.path("rel.pub"), app, self.path("app.bin.sig")))
        # Ed25519 is deterministic: OpenSSL writes the very same bytes
        self.openssl_sign(self.path("rel.key"), app, self.path("openssl.sig"))
        self.assertEqual(self.read("openssl.sig"), sig)
        # a changed file no longer verifies with OpenSSL
        tampered = self.write("tampered.bin", self.read("app.bin")[:-1] + b"\0")
        self.assertFalse(self.openssl_verifies(self.path("rel.pub"), tampered,
                                               self.path("app.bin.sig")))

    def test_out_option_and_openssl_key(self):
        key, pub = self.openssl_key()
        manifest = self.write("manifest.json", '{"files": []}\n')
        proc = run("sign", "-q", "-k", key, manifest, "-o", self.path("m.sig"))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        self.assertFalse(os.path.exists(self.path("manifest.json.sig")))
        self.assertTrue(self.openssl_verifies(pub, manifest, self.path("m.sig")))
        # signing again replaces the signature
        self.assertEqual(run("sign", "-q", "-k", key, manifest, "-o", self.path("m.sig")).returncode, 0)

    def test_bad_keys_and_files(self):
        key, _ = self.openssl_key()
        app = self.write("app.bin", b"x")
        self.assertEqual(run("sign", "--key", self.path("none.key"), app).returncode, 3)
        self.assertEqual(run("sign", "--key", app, app).returncode, 3)
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", self.path("ec.key"))
        proc = run("sign", "--key", self.path("ec.key"), app)
        self.assertEqual(proc.returncode, 3)
        self.assertIn("not Ed25519", proc.stderr)
        self.assertEqual(run("sign", "--key", key, self.path("missing")).returncode, 2)
        self.assertEqual(run("sign", "--key", key, app, "-o",
                             self.path("no/such/dir/x.sig")).returncode, 6)


class Verify(Tmp):
    def setUp(self):
        super().setUp()
        self.key, self.pub = self.openssl_key()
        self.app = self.write("app.bin", os.urandom(3000))
        self.sig = self.path("app.bin.sig")
        self.openssl_sign(self.key, self.app, self.sig)

    def verify(self, key, file=None, sig=None):
        return run("verify", "--pub", key, file or self.app, sig or self.sig)

    def test_openssl_signature_verifies_with_every_key_form(self):
        raw = raw_public_key(self.pub)
        pem = self.read("o.pub").decode()
        forms = {
            "PEM file": self.pub,
            "raw base64": base64.b64encode(raw).decode(),
            "PEM body": pem.splitlines()[1],
            "hex": raw.hex(),
        }
        for name, key in forms.items():
            with self.subTest(form=name):
                proc = self.verify(key)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertIn("valid signature", proc.stdout)
        self.assertEqual(run("verify", "-q", "-p", self.pub, self.app, self.sig).stdout, "")

    def test_signature_as_base64_or_hex_text(self):
        raw = self.read("app.bin.sig")
        b64 = self.write("sig.b64", openssl("base64", "-in", self.sig).stdout)  # wrapped
        hexa = self.write("sig.hex", raw.hex() + "\n")
        for sig in (b64, hexa):
            with self.subTest(sig=sig):
                proc = self.verify(self.pub, sig=sig)
                self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_ota_keygen_sign_verify_round_trip(self):
        proc = run("keygen", "-q", "--out", self.path("rel"))
        printed = proc.stdout.strip()
        self.assertEqual(run("sign", "-q", "-k", self.path("rel.key"), self.app, "-o",
                             self.path("rel.sig")).returncode, 0)
        self.assertEqual(self.verify(printed, sig=self.path("rel.sig")).returncode, 0)
        self.assertEqual(self.verify(self.path("rel.pub"), sig=self.path("rel.sig")).returncode, 0)
        # but not with OpenSSL's key
        self.assertEqual(self.verify(self.pub, sig=self.path("rel.sig")).returncode, 5)

    def test_tampering_exits_5(self):
        data = bytearray(self.read("app.bin"))
        data[1234] ^= 0x40
        tampered = self.write("tampered.bin", bytes(data))
        proc = self.verify(self.pub, file=tampered)
        self.assertEqual(proc.returncode, 5)
        self.assertIn("signature verification failed", proc.stderr)
        self.assertEqual(self.verify(self.pub, file=self.write("short.bin", bytes(data[:-1])))
                         .returncode, 5)
        sig = bytearray(self.read("app.bin.sig"))
        sig[40] ^= 1
        self.assertEqual(self.verify(self.pub, sig=self.write("bad.sig", bytes(sig))).returncode, 5)
        _, other_pub = self.openssl_key("other")
        self.assertEqual(self.verify(other_pub).returncode, 5)
        # not a signature at all
        self.assertEqual(self.verify(self.pub, sig=self.write("junk.sig", b"x" * 63)).returncode, 5)
        self.assertEqual(self.verify(self.pub, sig=self.app).returncode, 5)

    def test_unreadable_keys_exit_3(self):
        proc = self.verify(self.key)
        self.assertEqual(proc.returncode, 3)
        self.assertIn("private key", proc.stderr)
        self.assertEqual(self.verify(self.path("missing.pub")).returncode, 3)
        self.assertEqual(self.verify("AAAA").returncode, 3)
        self.assertEqual(self.verify(self.write("garbage.pub", "not a key\n")).returncode, 3)
        x25519 = self.path("x.key")
        openssl("genpkey", "-algorithm", "x25519", "-out", x25519)
        openssl("pkey", "-in", x25519, "-pubout", "-out", self.path("x.pub"))
        self.assertEqual(self.verify(self.path("x.pub")).returncode, 3)

    def test_unreadable_files_exit_2(self):
        self.assertEqual(self.verify(self.pub, file=self.path("missing")).returncode, 2)
        self.assertEqual(self.verify(self.pub, sig=self.path("missing.sig")).returncode, 2)

    def test_rfc8032_vectors_through_the_posix_port(self):
        for i, (pub, msg, sig) in enumerate(RFC8032):
            with self.subTest(test=i + 1):
                m = self.write(f"m{i}", bytes.fromhex(msg))
                s = self.write(f"s{i}", sig + "\n")
                proc = self.verify(pub, file=m, sig=s)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                s = self.write(f"s{i}", bytes.fromhex(sig))
                self.assertEqual(self.verify(pub, file=m, sig=s).returncode, 0)
                bad = self.write(f"b{i}", bytes.fromhex(msg) + b"!")
                self.assertEqual(self.verify(pub, file=bad, sig=s).returncode, 5)

    def test_empty_file(self):
        # OpenSSL 3.0's pkeyutl cannot sign an empty file with -rawin; ota can
        empty = self.write("empty", b"")
        self.assertEqual(run("sign", "-q", "-k", self.key, empty).returncode, 0)
        self.assertEqual(self.verify(self.pub, file=empty, sig=self.path("empty.sig")).returncode, 0)

    def test_devices_verify_at_most_1_mib(self):
        exact = self.write("exact.bin", b"\x5a" * (16 << 20))
        self.openssl_sign(self.key, exact, self.path("exact.sig"))
        self.assertEqual(self.verify(self.pub, file=exact, sig=self.path("exact.sig")).returncode, 0)
        big = self.write("big.bin", b"\x5a" * ((16 << 20) + 1))
        proc = run("sign", "-k", self.key, big)
        self.assertEqual(proc.returncode, 0)
        self.assertIn("16 MiB", proc.stderr)
        self.assertTrue(self.openssl_verifies(self.pub, big, self.path("big.bin.sig")))
        proc = self.verify(self.pub, file=big, sig=self.path("big.bin.sig"))
        self.assertEqual(proc.returncode, 5)
        self.assertIn("16 MiB", proc.stderr)


class ConfigFields(Tmp):
    def status(self, **fields):
        config = {"owner": "acme", "repo": "app", "channel": "stable"}
        config.update(fields)
        self.write("ota_config.json", json.dumps(config, indent=1))
        proc = run("status", "--root", self.dir, "--json")
        return proc.returncode, json.loads(proc.stdout)

    def test_public_key_forms_and_manifest_key(self):
        run("keygen", "-q", "--out", self.path("rel"))
        pem = self.read("rel.pub").decode()
        raw = raw_public_key(self.path("rel.pub"))
        for form in (base64.b64encode(raw).decode(), raw.hex(), pem.splitlines()[1], pem):
            with self.subTest(form=form):
                code, out = self.status(public_key=form, manifest_key="s3cret")
                self.assertEqual(code, 0, out)
                self.assertEqual(out["warnings"], [])

    def test_malformed_public_key_is_a_config_error(self):
        for bad in ("", "abc", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR", "00" * 33):
            with self.subTest(bad=bad):
                code, out = self.status(public_key=bad)
                self.assertEqual(code, 3)
                self.assertIn("public_key", out["error"]["reason"])
        code, out = self.status(public_key=5)
        self.assertEqual(code, 3)


if __name__ == "__main__":
    unittest.main()
