/* Release tools: `ota keygen`, `ota sign` and `ota verify`. They need no
 * ota_config.json. Keys and signatures are plain Ed25519, interchangeable
 * with OpenSSL's: PREFIX.key is a PKCS#8 PEM private key, PREFIX.pub a PEM
 * SubjectPublicKeyInfo, a signature the raw 64 bytes `openssl pkeyutl -sign
 * -rawin` writes. `ota verify` checks through the engine's ota_sig_* and the
 * POSIX port, the code path of a device. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cli.h"
#include "sig.h"

#define MAX_KEY_FILE (64 * 1024)
#define MAX_SIG_FILE 4096
#define DEVICE_MAX_MESSAGE (16 * 1024 * 1024) /* what the POSIX port verifies */

const char keygen_help[] =
    "usage: ota keygen --out PREFIX [--force]\n"
    "\n"
    "Makes an Ed25519 key pair for signing releases: PREFIX.key, the private\n"
    "key (PKCS#8 PEM, mode 0600; keep it off devices and out of git), and\n"
    "PREFIX.pub, the public key (PEM). Prints the public key as base64 for\n"
    "the \"public_key\" field of ota_config.json. Both files work with OpenSSL.\n"
    "\n"
    "Options:\n"
    "  -o, --out PREFIX   where to write PREFIX.key and PREFIX.pub\n"
    "  -f, --force        replace existing files\n"
    "  -q, --quiet        print only the public key\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit codes: 0 ok, 1 internal error, 2 usage, 6 cannot write the files\n"
    "(or they exist and --force was not given).\n";

const char sign_help[] =
    "usage: ota sign --key PREFIX.key FILE [-o SIG]\n"
    "\n"
    "Writes the Ed25519 signature of the exact bytes of FILE: 64 raw bytes,\n"
    "the same as `openssl pkeyutl -sign -inkey PREFIX.key -rawin -in FILE\n"
    "-out SIG`. Devices verify files of at most 16 MiB.\n"
    "\n"
    "Options:\n"
    "  -k, --key FILE     private key (PEM, from `ota keygen` or\n"
    "                     `openssl genpkey -algorithm ed25519`)\n"
    "  -o, --out SIG      signature file (default: FILE.sig)\n"
    "  -q, --quiet        only errors\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit codes: 0 ok, 1 internal error, 2 usage or FILE unreadable,\n"
    "3 the key cannot be read or is not Ed25519, 6 cannot write SIG.\n";

const char verify_help[] =
    "usage: ota verify --pub KEY FILE SIG\n"
    "\n"
    "Checks that SIG is a valid Ed25519 signature of FILE by KEY, with the\n"
    "engine's verification through the POSIX port, as a device does.\n"
    "KEY is a public key file (PEM, e.g. PREFIX.pub) or the key itself: 64 hex\n"
    "digits, base64 of the 32 raw bytes, or the base64 body of the PEM.\n"
    "SIG holds 64 raw bytes, or their base64 or hex text.\n"
    "\n"
    "Options:\n"
    "  -p, --pub KEY      public key (file or text)\n"
    "  -q, --quiet        only errors\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit codes: 0 valid, 1 internal error, 2 usage or FILE/SIG unreadable,\n"
    "3 the key cannot be read or parsed, 5 invalid: the signature does not\n"
    "match, SIG is not a signature, or FILE is larger than 16 MiB.\n";

static int usage_error(const char *cmd, const char *what)
{
    fprintf(stderr, "ota %s: %s; see `ota %s --help`\n", cmd, what, cmd);
    return EXIT_USAGE;
}

/* The first OpenSSL error, for messages. */
static const char *ssl_reason(void)
{
    static char buf[256];
    unsigned long e = ERR_get_error();

    if (!e)
        return "unknown OpenSSL error";
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

/* Reads a whole file (at most max bytes; more sets errno EFBIG), with a NUL
 * after the data. Returns 0, or -1 with errno set. */
static int read_all(const char *path, size_t max, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 4096, n = 0, got;
    uint8_t *buf = NULL, *grown;
    int saved;

    if (!f)
        return -1;
    for (;;) {
        if (!buf || n + 1 == cap) { /* room for more data and the NUL */
            size_t grow = buf ? 2 * cap : cap;
            if (!(grown = realloc(buf, grow))) {
                errno = ENOMEM;
                break;
            }
            buf = grown;
            cap = grow;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > max) {
            errno = EFBIG;
            break;
        }
        if (got == 0) {
            if (ferror(f))
                break;
            fclose(f);
            buf[n] = 0;
            *data = buf;
            *len = n;
            return 0;
        }
    }
    saved = errno;
    free(buf);
    fclose(f);
    errno = saved;
    return -1;
}

/* Writes data to path with the given mode. Without overwrite, path must not
 * exist (O_EXCL); with it, a temporary file is renamed over path. On failure
 * nothing is left behind. Returns 0, or -1 with errno set. */
static int write_file(const char *path, const void *data, size_t len, mode_t mode,
                      int overwrite)
{
    char tmp[4096];
    const char *target = path;
    const uint8_t *p = data;
    int fd, saved;

    if (overwrite) {
        if ((size_t)snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= sizeof tmp) {
            errno = ENAMETOOLONG;
            return -1;
        }
        fd = mkstemp(tmp);
        target = tmp;
    } else {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    }
    if (fd < 0)
        return -1;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        p += w;
        len -= (size_t)w;
    }
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (overwrite && rename(tmp, path) != 0)
        goto fail;
    return 0;
fail:
    saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(target);
    errno = saved;
    return -1;
}

/* ---- ota keygen ------------------------------------------------------------ */

/* The PEM text a write function produces, as a malloc'd buffer. */
static int pem_of(EVP_PKEY *pkey, int private_key, char **out, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *mem;
    long n;
    int ok;

    if (!bio)
        return -1;
    ok = private_key ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_bio_PUBKEY(bio, pkey);
    n = BIO_get_mem_data(bio, &mem);
    if (ok == 1 && n > 0 && (*out = malloc((size_t)n)) != NULL) {
        memcpy(*out, mem, (size_t)n);
        *len = (size_t)n;
    } else {
        ok = 0;
    }
    if (n > 0)
        OPENSSL_cleanse(mem, (size_t)n);
    BIO_free(bio);
    return ok == 1 ? 0 : -1;
}

int cmd_keygen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'}, {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *prefix = NULL;
    char key_path[4096], pub_path[4096], *key_pem = NULL, *pub_pem = NULL;
    unsigned char raw[OTA_ED25519_KEY_LEN];
    char b64[4 * ((OTA_ED25519_KEY_LEN + 2) / 3) + 1];
    size_t key_len = 0, pub_len = 0, raw_len = sizeof raw;
    EVP_PKEY_CTX *kctx = NULL;
    EVP_PKEY *pkey = NULL;
    int ch, force = 0, quiet = 0, code = EXIT_INTERNAL;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:fqh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o': prefix = optarg; break;
        case 'f': force = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(keygen_help, stdout); return EXIT_OK;
        default: return usage_error("keygen", "unknown option");
        }
    }
    if (optind < argc)
        return usage_error("keygen", "unexpected argument");
    if (!prefix || !prefix[0])
        return usage_error("keygen", "--out PREFIX is required");
    if ((size_t)snprintf(key_path, sizeof key_path, "%s.key", prefix) >= sizeof key_path ||
        (size_t)snprintf(pub_path, sizeof pub_path, "%s.pub", prefix) >= sizeof pub_path)
        return usage_error("keygen", "PREFIX is too long");
    if (!force) {
        const char *exists = access(key_path, F_OK) == 0   ? key_path
                             : access(pub_path, F_OK) == 0 ? pub_path
                                                           : NULL;
        if (exists) {
            fprintf(stderr, "ota keygen: %s exists; --force replaces it\n", exists);
            return EXIT_STORAGE;
        }
    }

    kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (!kctx || EVP_PKEY_keygen_init(kctx) != 1 || EVP_PKEY_keygen(kctx, &pkey) != 1 ||
        EVP_PKEY_get_raw_public_key(pkey, raw, &raw_len) != 1 || raw_len != sizeof raw ||
        pem_of(pkey, 1, &key_pem, &key_len) != 0 || pem_of(pkey, 0, &pub_pem, &pub_len) != 0) {
        fprintf(stderr, "ota keygen: cannot make a key: %s\n", ssl_reason());
        goto out;
    }
    EVP_EncodeBlock((unsigned char *)b64, raw, (int)sizeof raw);

    if (write_file(key_path, key_pem, key_len, 0600, force) != 0) {
        fprintf(stderr, "ota keygen: cannot write %s: %s\n", key_path, strerror(errno));
        code = EXIT_STORAGE;
        goto out;
    }
    if (write_file(pub_path, pub_pem, pub_len, 0644, force) != 0) {
        fprintf(stderr, "ota keygen: cannot write %s: %s\n", pub_path, strerror(errno));
        if (!force) /* the key file is ours: no private key without its .pub */
            unlink(key_path);
        code = EXIT_STORAGE;
        goto out;
    }
    if (!quiet)
        fprintf(stderr,
                "ota keygen: wrote %s (private: keep it secret, off devices) and %s\n"
                "ota keygen: for ota_config.json: \"public_key\": \"%s\"\n",
                key_path, pub_path, b64);
    printf("%s\n", b64);
    code = EXIT_OK;
out:
    if (key_pem) {
        OPENSSL_cleanse(key_pem, key_len);
        free(key_pem);
    }
    free(pub_pem);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(kctx);
    return code;
}

/* ---- ota sign -------------------------------------------------------------- */

static EVP_PKEY *load_private_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *pkey;

    if (!f) {
        fprintf(stderr, "ota sign: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!pkey) {
        fprintf(stderr, "ota sign: %s is not a PEM private key: %s\n", path, ssl_reason());
        return NULL;
    }
    if (!EVP_PKEY_is_a(pkey, "ED25519")) {
        fprintf(stderr, "ota sign: %s is a %s key, not Ed25519\n", path,
                EVP_PKEY_get0_type_name(pkey));
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

int cmd_sign(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'}, {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    static const uint8_t empty[1];
    const char *key_path = NULL, *out_path = NULL, *file;
    char default_out[4096];
    uint8_t *msg = NULL, sig[OTA_ED25519_SIG_LEN];
    size_t len = 0, sig_len = sizeof sig;
    EVP_MD_CTX *md = NULL;
    EVP_PKEY *pkey = NULL;
    int ch, quiet = 0, code = EXIT_INTERNAL;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "k:o:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'k': key_path = optarg; break;
        case 'o': out_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(sign_help, stdout); return EXIT_OK;
        default: return usage_error("sign", "unknown option");
        }
    }
    if (!key_path)
        return usage_error("sign", "--key FILE is required");
    if (argc - optind != 1)
        return usage_error("sign", "give exactly one FILE to sign");
    file = argv[optind];
    if (!out_path) {
        if ((size_t)snprintf(default_out, sizeof default_out, "%s.sig", file) >=
            sizeof default_out)
            return usage_error("sign", "FILE name too long");
        out_path = default_out;
    }

    if (!(pkey = load_private_key(key_path)))
        return EXIT_CONFIG;
    if (read_all(file, (size_t)-1 - 1, &msg, &len) != 0) {
        fprintf(stderr, "ota sign: cannot read %s: %s\n", file, strerror(errno));
        code = EXIT_USAGE;
        goto out;
    }
    md = EVP_MD_CTX_new();
    if (!md || EVP_DigestSignInit(md, NULL, NULL, NULL, pkey) != 1 ||
        EVP_DigestSign(md, sig, &sig_len, len ? msg : empty, len) != 1 ||
        sig_len != sizeof sig) {
        fprintf(stderr, "ota sign: signing failed: %s\n", ssl_reason());
        goto out;
    }
    if (write_file(out_path, sig, sizeof sig, 0644, 1) != 0) {
        fprintf(stderr, "ota sign: cannot write %s: %s\n", out_path, strerror(errno));
        code = EXIT_STORAGE;
        goto out;
    }
    if (len > DEVICE_MAX_MESSAGE)
        fprintf(stderr, "ota sign: warning: %s is larger than 16 MiB, the most a device "
                        "verifies\n", file);
    if (!quiet)
        fprintf(stderr, "ota sign: wrote %s\n", out_path);
    code = EXIT_OK;
out:
    free(msg);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    return code;
}

/* ---- ota verify ------------------------------------------------------------ */

/* KEY as text, else as a file holding the text. Returns an exit code. */
static int load_public_key(const char *key, uint8_t pub[OTA_ED25519_KEY_LEN])
{
    uint8_t *text = NULL;
    size_t len = 0;
    int err;

    if (ota_sig_parse_public_key(key, pub) == OTA_OK)
        return EXIT_OK;
    if (read_all(key, MAX_KEY_FILE, &text, &len) != 0) {
        if (errno == ENOENT)
            fprintf(stderr, "ota verify: --pub %s: neither a public key nor a file\n", key);
        else
            fprintf(stderr, "ota verify: cannot read %s: %s\n", key, strerror(errno));
        return EXIT_CONFIG;
    }
    err = ota_sig_parse_public_key((const char *)text, pub);
    if (err != OTA_OK)
        fprintf(stderr, "ota verify: %s: not an Ed25519 public key%s\n", key,
                strstr((const char *)text, "PRIVATE KEY") ? " (this is a private key: "
                                                            "pass the .pub)"
                                                          : "");
    free(text);
    return err == OTA_OK ? EXIT_OK : EXIT_CONFIG;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pub", required_argument, NULL, 'p'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
    static struct ota_ctx ctx; /* large; one per process */
    static uint8_t chunk[64 * 1024];
    struct ota_posix posix;
    struct ota_port port;
    const char *key = NULL, *file, *sig_path;
    uint8_t pub[OTA_ED25519_KEY_LEN], sig[OTA_ED25519_SIG_LEN], *sig_data = NULL;
    size_t sig_len = 0, n;
    FILE *f;
    int ch, quiet = 0, code, err = OTA_OK, end, read_failed;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "p:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p': key = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(verify_help, stdout); return EXIT_OK;
        default: return usage_error("verify", "unknown option");
        }
    }
    if (!key)
        return usage_error("verify", "--pub KEY is required");
    if (argc - optind != 2)
        return usage_error("verify", "give FILE and SIG");
    file = argv[optind];
    sig_path = argv[optind + 1];

    if ((code = load_public_key(key, pub)) != EXIT_OK)
        return code;
    if (read_all(sig_path, MAX_SIG_FILE, &sig_data, &sig_len) != 0) {
        if (errno == EFBIG) {
            fprintf(stderr, "ota verify: %s is not a signature (too large)\n", sig_path);
            return EXIT_VERIFY;
        }
        fprintf(stderr, "ota verify: cannot read %s: %s\n", sig_path, strerror(errno));
        return EXIT_USAGE;
    }
    err = ota_sig_parse_signature(sig_data, sig_len, sig);
    free(sig_data);
    if (err != OTA_OK) {
        fprintf(stderr, "ota verify: %s is not an Ed25519 signature (64 raw bytes, or "
                        "their base64 or hex)\n", sig_path);
        return EXIT_VERIFY;
    }
    if (!(f = fopen(file, "rb"))) {
        fprintf(stderr, "ota verify: cannot read %s: %s\n", file, strerror(errno));
        return EXIT_USAGE;
    }
    if (ota_posix_init(&posix, NULL, &port) != OTA_OK) {
        fprintf(stderr, "ota verify: cannot initialise the POSIX port\n");
        fclose(f);
        return EXIT_INTERNAL;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.port = &port; /* all the ota_sig_* functions use */
    err = ota_sig_verify_begin(&ctx, pub, sig);
    read_failed = 0;
    if (err == OTA_OK) {
        while (err == OTA_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            err = ota_sig_verify_update(&ctx, chunk, n);
        read_failed = ferror(f);
        end = ota_sig_verify_end(&ctx); /* always: it releases the port's state */
        if (read_failed)
            err = OTA_ERR_IO;
        else if (err == OTA_OK)
            err = end;
    }
    fclose(f);
    ota_posix_deinit(&posix);

    switch (err) {
    case OTA_OK:
        if (!quiet)
            printf("%s: valid signature\n", file);
        return EXIT_OK;
    case OTA_ERR_SIGNATURE:
        fprintf(stderr, "ota verify: %s: signature verification failed\n", file);
        return EXIT_VERIFY;
    case OTA_ERR_TOO_LARGE:
        fprintf(stderr, "ota verify: %s is larger than 16 MiB, the most a device verifies\n",
                file);
        return EXIT_VERIFY;
    case OTA_ERR_IO:
        fprintf(stderr, "ota verify: cannot read %s\n", file);
        return EXIT_USAGE;
    default:
        fprintf(stderr, "ota verify: %s\n", ota_strerror(err));
        return EXIT_INTERNAL;
    }
}
