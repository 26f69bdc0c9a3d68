/* Software SHA-1/SHA-256 and hex: the published FIPS 180 vectors, agreement
 * with OpenSSL (what the Linux port uses) for every length 0..300 split at
 * every position, and git blob names checked against `git hash-object`. */
#define _POSIX_C_SOURCE 200809L

#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef OTA_TEST_NO_OPENSSL /* a cross build without the target's OpenSSL */
#include <openssl/evp.h>
#endif

#include "hex.h"
#include "ota/ota_port.h"
#include "sha1.h"
#include "sha256.h"

#define MAX_DIGEST 32

/* ---- one interface over both algorithms -------------------------------- */

/* Hashes a then b as two update calls; NULL with length 0 is allowed. The
 * state starts as garbage so a field that init forgets shows up. */
typedef void (*two_part_fn)(const void *a, size_t alen, const void *b,
                            size_t blen, uint8_t *out);

static void sha1_two(const void *a, size_t alen, const void *b, size_t blen,
                     uint8_t *out)
{
    struct ota_sha1 s;
    memset(&s, 0xa5, sizeof s);
    ota_sha1_init(&s);
    ota_sha1_update(&s, a, alen);
    ota_sha1_update(&s, b, blen);
    ota_sha1_final(&s, out);
}

static void sha256_two(const void *a, size_t alen, const void *b, size_t blen,
                       uint8_t *out)
{
    struct ota_sha256 s;
    memset(&s, 0xa5, sizeof s);
    ota_sha256_init(&s);
    ota_sha256_update(&s, a, alen);
    ota_sha256_update(&s, b, blen);
    ota_sha256_final(&s, out);
}

#ifndef OTA_TEST_NO_OPENSSL
struct alg {
    const char *name;
    size_t len;
    two_part_fn two;
    const EVP_MD *(*md)(void);
};

static const struct alg algs[] = {
    {"sha1", OTA_SHA1_LEN, sha1_two, EVP_sha1},
    {"sha256", OTA_SHA256_LEN, sha256_two, EVP_sha256},
};
#define N_ALGS (sizeof algs / sizeof algs[0])

static void openssl_digest(const struct alg *a, const void *data, size_t len,
                           uint8_t *out)
{
    unsigned int n = 0;
    int ok = EVP_Digest(data, len, out, &n, a->md(), NULL);
    CHECK(ok == 1 && n == a->len);
}
#endif

/* Deterministic bytes covering all 256 values, so padding bugs that only a
 * 0x80 or 0x00 in the data would hide cannot. */
static void fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    size_t i;
    for (i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
}

/* ---- FIPS 180 vectors --------------------------------------------------- */

static void test_fips_vectors(void)
{
    static const struct {
        const char *msg, *sha1, *sha256;
    } v[] = {
        {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
         "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "a49b2446a02c645bf419f995b67091253a04a259",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    uint8_t d[MAX_DIGEST];
    char hex[2 * MAX_DIGEST + 1];
    size_t i;

    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        sha1_two(v[i].msg, strlen(v[i].msg), NULL, 0, d);
        ota_hex_encode(d, OTA_SHA1_LEN, hex);
        CHECK_EQ_STR(hex, v[i].sha1);
        sha256_two(v[i].msg, strlen(v[i].msg), NULL, 0, d);
        ota_hex_encode(d, OTA_SHA256_LEN, hex);
        CHECK_EQ_STR(hex, v[i].sha256);
    }
}

/* One million 'a', fed in 997-byte pieces so chunks straddle block edges. */
static void test_million_a(void)
{
    static uint8_t chunk[997];
    struct ota_sha1 s1;
    struct ota_sha256 s256;
    uint8_t d[MAX_DIGEST];
    char hex[2 * MAX_DIGEST + 1];
    size_t left = 1000000;

    memset(chunk, 'a', sizeof chunk);
    ota_sha1_init(&s1);
    ota_sha256_init(&s256);
    while (left > 0) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        ota_sha1_update(&s1, chunk, n);
        ota_sha256_update(&s256, chunk, n);
        left -= n;
    }
    ota_sha1_final(&s1, d);
    ota_hex_encode(d, OTA_SHA1_LEN, hex);
    CHECK_EQ_STR(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    ota_sha256_final(&s256, d);
    ota_hex_encode(d, OTA_SHA256_LEN, hex);
    CHECK_EQ_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* ---- agreement with OpenSSL --------------------------------------------- */

/* Every length 0..300 (up to five blocks, every padding case) hashed whole,
 * split in two at every position, and byte by byte. */
#ifndef OTA_TEST_NO_OPENSSL
static void test_against_openssl(void)
{
    uint8_t buf[300], ref[MAX_DIGEST], got[MAX_DIGEST];
    size_t a, len, split, i;

    fill_pattern(buf, sizeof buf, 1);
    for (a = 0; a < N_ALGS; a++) {
        const struct alg *al = &algs[a];
        for (len = 0; len <= sizeof buf; len++) {
            int bad_splits = 0;
            openssl_digest(al, buf, len, ref);
            for (split = 0; split <= len; split++) {
                al->two(buf, split, buf + split, len - split, got);
                bad_splits += memcmp(got, ref, al->len) != 0;
            }
            if (bad_splits)
                fprintf(stderr, "%s len %zu: %d bad splits\n", al->name, len,
                        bad_splits);
            CHECK_EQ_INT(bad_splits, 0);
        }
    }
    /* byte-at-a-time, through the streaming API directly */
    for (len = 0; len <= sizeof buf; len++) {
        struct ota_sha1 s1;
        struct ota_sha256 s256;
        ota_sha1_init(&s1);
        ota_sha256_init(&s256);
        for (i = 0; i < len; i++) {
            ota_sha1_update(&s1, buf + i, 1);
            ota_sha256_update(&s256, buf + i, 1);
        }
        ota_sha1_final(&s1, got);
        openssl_digest(&algs[0], buf, len, ref);
        CHECK(memcmp(got, ref, OTA_SHA1_LEN) == 0);
        ota_sha256_final(&s256, got);
        openssl_digest(&algs[1], buf, len, ref);
        CHECK(memcmp(got, ref, OTA_SHA256_LEN) == 0);
    }
}
#endif

/* A port keeps its hash state in OTA_HASH_STATE_SIZE bytes of engine memory. */
static void test_state_fits_port_slot(void)
{
    CHECK(sizeof(struct ota_sha1) <= OTA_HASH_STATE_SIZE);
    CHECK(sizeof(struct ota_sha256) <= OTA_HASH_STATE_SIZE);
}

/* ---- git blob names ----------------------------------------------------- */

/* The blob name git gives content: SHA-1 of "blob <size>\0" + content. */
static void blob_sha1(const uint8_t *data, size_t len, char hex[41])
{
    struct ota_sha1 s;
    char hdr[32];
    uint8_t d[OTA_SHA1_LEN];
    int n = snprintf(hdr, sizeof hdr, "blob %zu", len);

    ota_sha1_init(&s);
    ota_sha1_update(&s, hdr, (size_t)n + 1); /* the header's NUL is hashed */
    ota_sha1_update(&s, data, len);
    ota_sha1_final(&s, d);
    ota_hex_encode(d, sizeof d, hex);
}

/* What `git hash-object --stdin` says about data (via a temp file, since
 * popen is one-way); "" if git could not be run. */
static void git_hash_object(const uint8_t *data, size_t len, char *hex,
                            size_t hex_size)
{
    char path[] = "/tmp/ota_test_sha_XXXXXX", cmd[96];
    int fd = mkstemp(path);
    FILE *f, *p;

    hex[0] = '\0';
    if (fd < 0 || (f = fdopen(fd, "wb")) == NULL) {
        perror("temp file");
        return;
    }
    if (len > 0 && fwrite(data, 1, len, f) != len)
        perror("temp file write");
    fclose(f);
    snprintf(cmd, sizeof cmd, "git hash-object --stdin < %s", path);
    p = popen(cmd, "r");
    if (p != NULL) {
        if (fgets(hex, (int)hex_size, p) == NULL)
            hex[0] = '\0';
        pclose(p);
    }
    unlink(path);
    hex[strcspn(hex, "\r\n")] = '\0';
}

static int have_git(void)
{
    char line[128] = "";
    FILE *p = popen("git --version 2>/dev/null", "r");
    if (p == NULL)
        return 0;
    if (fgets(line, sizeof line, p) == NULL)
        line[0] = '\0';
    return pclose(p) == 0 && strncmp(line, "git version", 11) == 0;
}

static void test_git_blobs(void)
{
    static uint8_t big[100000];
    static const size_t lens[] = {1, 2, 55, 56, 63, 64, 65, 119, 120, 4096};
    uint8_t all_bytes[256];
    char mine[41], theirs[64];
    size_t i;

    /* known names, so the test means something even without git */
    blob_sha1(NULL, 0, mine);
    CHECK_EQ_STR(mine, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    blob_sha1((const uint8_t *)"hello world\n", 12, mine);
    CHECK_EQ_STR(mine, "3b18e512dba79e4c8300dd08aeb37f8e728b8dad");

    if (!have_git()) {
        printf("%s: git not found, skipping hash-object comparison\n", __FILE__);
        return;
    }
    git_hash_object(NULL, 0, theirs, sizeof theirs);
    blob_sha1(NULL, 0, mine);
    CHECK_EQ_STR(mine, theirs);

    for (i = 0; i < sizeof all_bytes; i++)
        all_bytes[i] = (uint8_t)i; /* NULs, CR, LF, 0x80, 0xff: binary */
    git_hash_object(all_bytes, sizeof all_bytes, theirs, sizeof theirs);
    blob_sha1(all_bytes, sizeof all_bytes, mine);
    CHECK_EQ_STR(mine, theirs);

    fill_pattern(big, sizeof big, 7);
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        git_hash_object(big, lens[i], theirs, sizeof theirs);
        blob_sha1(big, lens[i], mine);
        CHECK_EQ_STR(mine, theirs);
    }
    git_hash_object(big, sizeof big, theirs, sizeof theirs);
    blob_sha1(big, sizeof big, mine);
    CHECK_EQ_STR(mine, theirs);
}

/* ---- hex ---------------------------------------------------------------- */

static void test_hex_round_trip(void)
{
    uint8_t in[256], back[256];
    char hex[2 * 256 + 1];
    size_t i;

    for (i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)i;
    ota_hex_encode(in, sizeof in, hex);
    CHECK_EQ_INT(strlen(hex), 512);
    CHECK(strncmp(hex, "000102030405060708090a0b0c0d0e0f10", 34) == 0);
    CHECK_EQ_STR(hex + 506, "fdfeff");
    memset(back, 0, sizeof back);
    CHECK_EQ_INT(ota_hex_decode(hex, 512, back, sizeof back), 0);
    CHECK(memcmp(in, back, sizeof in) == 0);

    memset(hex, 'x', sizeof hex);
    ota_hex_encode(in, 0, hex);
    CHECK_EQ_STR(hex, "");
    CHECK_EQ_INT(ota_hex_decode("", 0, back, 0), 0);

    CHECK_EQ_INT(ota_hex_decode("DEADbeef09AF", 12, back, 6), 0);
    CHECK(memcmp(back, "\xde\xad\xbe\xef\x09\xaf", 6) == 0);
}

static void test_hex_rejects(void)
{
    uint8_t out[4];
    char two[3] = "00";
    int c;

    /* lengths: odd, and even but not exactly twice out_len */
    CHECK_EQ_INT(ota_hex_decode("abc", 3, out, 1), -1);
    CHECK_EQ_INT(ota_hex_decode("abc", 3, out, 2), -1);
    CHECK_EQ_INT(ota_hex_decode("a", 1, out, 0), -1);
    CHECK_EQ_INT(ota_hex_decode("abcd", 4, out, 1), -1);
    CHECK_EQ_INT(ota_hex_decode("abcd", 4, out, 3), -1);
    CHECK_EQ_INT(ota_hex_decode("", 0, out, 1), -1);
    CHECK_EQ_INT(ota_hex_decode("abcd", 4, out, (size_t)-1), -1);
    /* a bad digit anywhere, including after good ones */
    CHECK_EQ_INT(ota_hex_decode("abcdeg", 6, out, 3), -1);
    CHECK_EQ_INT(ota_hex_decode("ab\0d", 4, out, 2), -1);
    CHECK_EQ_INT(ota_hex_decode("0x12", 4, out, 2), -1);
    CHECK_EQ_INT(ota_hex_decode(" 1", 2, out, 1), -1);

    /* every char value in either digit position: only [0-9a-fA-F] pass */
    for (c = 0; c < 256; c++) {
        int valid = c != 0 && strchr("0123456789abcdefABCDEF", c) != NULL;
        int want = valid ? 0 : -1;
        two[0] = (char)c;
        two[1] = '0';
        CHECK_EQ_INT(ota_hex_decode(two, 2, out, 1), want);
        two[0] = '0';
        two[1] = (char)c;
        CHECK_EQ_INT(ota_hex_decode(two, 2, out, 1), want);
    }
}

int main(void)
{
    test_fips_vectors();
    test_million_a();
#ifndef OTA_TEST_NO_OPENSSL
    test_against_openssl();
#endif
    test_state_fits_port_slot();
    test_git_blobs();
    test_hex_round_trip();
    test_hex_rejects();
    TEST_MAIN_END();
}
