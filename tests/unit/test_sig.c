/* Ed25519 verification through the core (sig.c) and a crypto port backed by
 * OpenSSL: the RFC 8032 section 7.1 vectors streamed whole and byte by byte,
 * tampered messages, signatures and keys rejected, the fail-closed state
 * machine, and the key and signature parsers for every accepted form and the
 * malformed ones. */
#define _POSIX_C_SOURCE 200809L

#include "test.h"

#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "hex.h"
#include "ota/ota.h"
#include "sig.h"

/* ---- RFC 8032, 7.1: TEST 1, 2, 3 and 1024 -------------------------------- */

struct vector {
    const char *name;
    const char *pub;
    const char *msg;
    const char *sig;
};

static const struct vector vectors[] = {
    {"TEST 1", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"TEST 1024", "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
     "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1"
     "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
     "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a"
     "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
     "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10"
     "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
     "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d"
     "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
     "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b"
     "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
     "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
     "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
     "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
     "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
     "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7"
     "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
     "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09"
     "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
     "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161"
     "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
     "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca"
     "c60c905c15fc910840b94c00a0b9d0",
     "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
};
#define N_VECTORS (sizeof vectors / sizeof vectors[0])

/* TEST 1's key as `openssl pkey -pubout` prints it, and its raw base64. */
static const char test1_pem[] = "-----BEGIN PUBLIC KEY-----\n"
                                "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                                "-----END PUBLIC KEY-----\n";
static const char test1_b64[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

/* ---- a crypto port backed by OpenSSL, with call counters ------------------ */

struct test_verify {
    uint8_t key[32], sig[64];
    uint8_t *msg;
    size_t len;
};

struct test_port {
    int begins, updates, ends, live; /* live: states not yet released */
    size_t bytes;
    int fail_update_at;              /* > 0: that update call fails */
    int end_result;                  /* != 0: verify_end returns this */
};

static struct test_verify *tv_get(const void *state)
{
    struct test_verify *v;
    memcpy(&v, state, sizeof v);
    return v;
}

static int tp_begin(void *user, enum ota_sig_alg alg, const uint8_t *key, size_t key_len,
                    const uint8_t *sig, size_t sig_len, void *state)
{
    struct test_port *tp = user;
    struct test_verify *v;

    tp->begins++;
    if (alg != OTA_SIG_ED25519 || key_len != 32 || sig_len != 64)
        return OTA_ERR_INVALID_ARG;
    v = calloc(1, sizeof *v);
    memcpy(v->key, key, 32);
    memcpy(v->sig, sig, 64);
    memcpy(state, &v, sizeof v);
    tp->live++;
    return 0;
}

static int tp_update(void *user, void *state, const void *data, size_t len)
{
    struct test_port *tp = user;
    struct test_verify *v = tv_get(state);

    tp->updates++;
    if (tp->fail_update_at && tp->updates == tp->fail_update_at)
        return OTA_ERR_TOO_LARGE;
    v->msg = realloc(v->msg, v->len + len);
    memcpy(v->msg + v->len, data, len);
    v->len += len;
    tp->bytes += len;
    return 0;
}

static int tp_end(void *user, void *state)
{
    static const uint8_t empty[1];
    struct test_port *tp = user;
    struct test_verify *v = tv_get(state);
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, v->key, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int err = OTA_ERR_CRYPTO;

    tp->ends++;
    if (pkey && md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) == 1)
        err = EVP_DigestVerify(md, v->sig, 64, v->msg ? v->msg : empty, v->len) == 1
                  ? 0
                  : OTA_ERR_SIGNATURE;
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    free(v->msg);
    free(v);
    tp->live--;
    return tp->end_result ? tp->end_result : err;
}

static struct test_port tp;
static struct ota_port port;
static struct ota_ctx ctx;

static void reset_port(int with_verify)
{
    memset(&tp, 0, sizeof tp);
    memset(&port, 0, sizeof port);
    memset(&ctx, 0, sizeof ctx);
    if (with_verify) {
        port.crypto.verify_begin = tp_begin;
        port.crypto.verify_update = tp_update;
        port.crypto.verify_end = tp_end;
    }
    port.user = &tp;
    ctx.port = &port;
}

/* ---- helpers ---------------------------------------------------------------- */

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    CHECK(n <= cap);
    CHECK(ota_hex_decode(hex, 2 * n, out, n) == 0);
    return n;
}

/* Verifies msg in chunks of `chunk` bytes (0: one update with everything). */
static int verify(const uint8_t *pub, const uint8_t *sig, const uint8_t *msg, size_t len,
                  size_t chunk)
{
    size_t off = 0;
    int err = ota_sig_verify_begin(&ctx, pub, sig);

    if (err)
        return err;
    if (chunk == 0)
        err = ota_sig_verify_update(&ctx, msg, len);
    for (; chunk && off < len && !err; off += chunk)
        err = ota_sig_verify_update(&ctx, msg + off, len - off < chunk ? len - off : chunk);
    if (err) {
        CHECK_EQ_INT(ota_sig_verify_end(&ctx), err);
        return err;
    }
    return ota_sig_verify_end(&ctx);
}

static char *b64(const uint8_t *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_vectors(void)
{
    static const size_t chunks[] = {0, 1, 7, 64, 1000};
    uint8_t pub[32], sig[64], msg[1100];
    size_t i, c, len;

    for (i = 0; i < N_VECTORS; i++) {
        const struct vector *v = &vectors[i];
        CHECK_EQ_INT(ota_sig_parse_public_key(v->pub, pub), 0);
        CHECK_EQ_INT(ota_sig_parse_signature((const uint8_t *)v->sig, strlen(v->sig), sig), 0);
        len = unhex(v->msg, msg, sizeof msg);
        if (i == 3)
            CHECK_EQ_INT(len, 1023);
        for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            int err;
            reset_port(1);
            err = verify(pub, sig, msg, len, chunks[c]);
            if (err != 0)
                fprintf(stderr, "%s, chunks of %zu: %s\n", v->name, chunks[c], ota_strerror(err));
            CHECK_EQ_INT(err, 0);
            CHECK_EQ_INT(tp.begins, 1);
            CHECK_EQ_INT(tp.ends, 1);
            CHECK_EQ_INT(tp.live, 0);
            CHECK_EQ_INT(tp.bytes, len);
            if (chunks[c] == 1)
                CHECK_EQ_INT(tp.updates, (int)len);
            CHECK_EQ_INT(ctx.verify_status, 0);
        }
    }
}

static void test_tampering(void)
{
    uint8_t pub[32], sig[64], msg[1100], bad[1100];
    uint8_t other_pub[32];
    size_t i, len, bit;

    for (i = 0; i < N_VECTORS; i++) {
        const struct vector *v = &vectors[i];
        CHECK_EQ_INT(ota_sig_parse_public_key(v->pub, pub), 0);
        CHECK_EQ_INT(ota_sig_parse_signature((const uint8_t *)v->sig, 128, sig), 0);
        len = unhex(v->msg, msg, sizeof msg);
        reset_port(1);

        /* a changed, truncated or extended message */
        memcpy(bad, msg, len);
        if (len > 0) {
            bad[len / 2] ^= 0x01;
            CHECK_EQ_INT(verify(pub, sig, bad, len, 1), OTA_ERR_SIGNATURE);
            CHECK_EQ_INT(verify(pub, sig, msg, len - 1, 0), OTA_ERR_SIGNATURE);
        }
        memcpy(bad, msg, len);
        bad[len] = 0;
        CHECK_EQ_INT(verify(pub, sig, bad, len + 1, 0), OTA_ERR_SIGNATURE);

        /* a flipped bit in R, in S, and S + L (malleability) */
        for (bit = 0; bit < 512; bit += 37) {
            uint8_t s2[64];
            memcpy(s2, sig, 64);
            s2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            CHECK_EQ_INT(verify(pub, s2, msg, len, 0), OTA_ERR_SIGNATURE);
        }
        {
            /* L = 2^252 + 27742317777372353535851937790883648493, little endian */
            static const uint8_t L[32] = {
                0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
            uint8_t s2[64];
            unsigned carry = 0, k;
            memcpy(s2, sig, 64);
            for (k = 0; k < 32; k++) {
                carry += (unsigned)s2[32 + k] + L[k];
                s2[32 + k] = (uint8_t)carry;
                carry >>= 8;
            }
            CHECK_EQ_INT(verify(pub, s2, msg, len, 0), OTA_ERR_SIGNATURE);
        }

        /* a flipped bit in the key, and another vector's key */
        for (bit = 0; bit < 256; bit += 51) {
            uint8_t p2[32];
            memcpy(p2, pub, 32);
            p2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            CHECK_EQ_INT(verify(p2, sig, msg, len, 0), OTA_ERR_SIGNATURE);
        }
        CHECK_EQ_INT(ota_sig_parse_public_key(vectors[(i + 1) % N_VECTORS].pub, other_pub), 0);
        CHECK_EQ_INT(verify(other_pub, sig, msg, len, 0), OTA_ERR_SIGNATURE);
        CHECK_EQ_INT(tp.live, 0);
    }
}

/* The core never reports success for a verification that did not happen or
 * lost part of its message, whatever the port says. */
static void test_state_machine(void)
{
    uint8_t pub[32], sig[64], msg[4];
    size_t len;

    CHECK_EQ_INT(ota_sig_parse_public_key(vectors[2].pub, pub), 0);
    CHECK_EQ_INT(ota_sig_parse_signature((const uint8_t *)vectors[2].sig, 128, sig), 0);
    len = unhex(vectors[2].msg, msg, sizeof msg);

    reset_port(1);
    CHECK_EQ_INT(ota_sig_verify_update(&ctx, msg, len), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_sig_verify_end(&ctx), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(tp.ends, 0);

    /* begin twice without end */
    CHECK_EQ_INT(ota_sig_verify_begin(&ctx, pub, sig), 0);
    CHECK_EQ_INT(ota_sig_verify_begin(&ctx, pub, sig), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_sig_verify_update(&ctx, msg, len), 0);
    CHECK_EQ_INT(ota_sig_verify_end(&ctx), 0);
    CHECK_EQ_INT(ota_sig_verify_end(&ctx), OTA_ERR_INVALID_ARG); /* once only */
    CHECK_EQ_INT(tp.begins, 1);
    CHECK_EQ_INT(tp.live, 0);

    /* an update fails: the rest is not forwarded, end reports the failure
     * even though the message the port saw would verify */
    reset_port(1);
    tp.fail_update_at = 2;
    CHECK_EQ_INT(ota_sig_verify_begin(&ctx, pub, sig), 0);
    CHECK_EQ_INT(ota_sig_verify_update(&ctx, msg, 1), 0);
    CHECK_EQ_INT(ota_sig_verify_update(&ctx, msg + 1, 1), OTA_ERR_TOO_LARGE);
    CHECK_EQ_INT(ota_sig_verify_update(&ctx, msg + 1, 1), OTA_ERR_TOO_LARGE);
    CHECK_EQ_INT(tp.updates, 2);
    CHECK_EQ_INT(ota_sig_verify_end(&ctx), OTA_ERR_TOO_LARGE);
    CHECK_EQ_INT(tp.live, 0);
    CHECK_EQ_INT(ctx.verify_status, 0);

    /* NULL data with a length is refused and sticks */
    reset_port(1);
    CHECK_EQ_INT(ota_sig_verify_begin(&ctx, pub, sig), 0);
    CHECK_EQ_INT(ota_sig_verify_update(&ctx, NULL, 0), 0);
    CHECK_EQ_INT(ota_sig_verify_update(&ctx, NULL, 2), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_sig_verify_update(&ctx, msg, len), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_sig_verify_end(&ctx), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(tp.live, 0);

    /* a port answering a positive number is not "valid" */
    reset_port(1);
    tp.end_result = 1;
    CHECK_EQ_INT(verify(pub, sig, msg, len, 0), OTA_ERR_CRYPTO);

    /* a port without verification */
    reset_port(0);
    CHECK_EQ_INT(ota_sig_verify_begin(&ctx, pub, sig), OTA_ERR_UNSUPPORTED);
    CHECK_EQ_INT(ota_sig_verify_update(&ctx, msg, len), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_sig_verify_end(&ctx), OTA_ERR_INVALID_ARG);
    CHECK_EQ_INT(ota_sig_verify_begin(NULL, pub, sig), OTA_ERR_INVALID_ARG);

    /* the state lives in the engine: a pointer fits, and so does a
     * streaming port's SHA-512 context with the key and signature */
    CHECK(sizeof ctx.verify.bytes >= 216 + 96);
    CHECK(strcmp(ota_strerror(OTA_ERR_SIGNATURE), "signature verification failed") == 0);
    CHECK(strcmp(ota_err_name(OTA_ERR_SIGNATURE), "OTA_ERR_SIGNATURE") == 0);
    CHECK_EQ_INT(OTA_ERR_SIGNATURE, -54);
}

static void check_key(const char *text, const uint8_t *want)
{
    uint8_t out[32];
    int err = ota_sig_parse_public_key(text, out);
    if (err != 0)
        fprintf(stderr, "key rejected: \"%s\"\n", text);
    CHECK_EQ_INT(err, 0);
    CHECK(memcmp(out, want, 32) == 0);
}

static void check_bad_key(const char *text)
{
    uint8_t out[32];
    memset(out, 0xaa, sizeof out);
    if (ota_sig_parse_public_key(text, out) != OTA_ERR_CONFIG)
        fprintf(stderr, "key accepted: \"%s\"\n", text);
    CHECK_EQ_INT(ota_sig_parse_public_key(text, out), OTA_ERR_CONFIG);
    CHECK(out[0] == 0xaa && out[31] == 0xaa);
}

static void test_parse_public_key(void)
{
    static const uint8_t spki[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                     0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    uint8_t want[32], der[44], other[44];
    char upper[65], buf[512], *raw64, *der64, *p;
    size_t i;

    unhex(vectors[0].pub, want, sizeof want);
    memcpy(der, spki, 12);
    memcpy(der + 12, want, 32);
    raw64 = b64(want, 32);
    der64 = b64(der, 44);
    CHECK_EQ_STR(raw64, test1_b64);

    /* hex, either case, with surrounding whitespace */
    check_key(vectors[0].pub, want);
    for (i = 0; i < 64; i++)
        upper[i] = (char)(vectors[0].pub[i] >= 'a' ? vectors[0].pub[i] - 32 : vectors[0].pub[i]);
    upper[64] = '\0';
    check_key(upper, want);
    snprintf(buf, sizeof buf, "  %s\n", vectors[0].pub);
    check_key(buf, want);

    /* base64 of the raw key: padded, unpadded, with a newline */
    check_key(raw64, want);
    snprintf(buf, sizeof buf, "%.*s", (int)strlen(raw64) - 1, raw64);
    check_key(buf, want);
    snprintf(buf, sizeof buf, "%s\r\n", raw64);
    check_key(buf, want);

    /* base64 of the DER SubjectPublicKeyInfo: the PEM body */
    check_key(der64, want);
    check_key("MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", want);
    snprintf(buf, sizeof buf, "%.30s\n%s", der64, der64 + 30); /* wrapped */
    check_key(buf, want);

    /* the whole PEM block, as `openssl pkey -pubout` writes it */
    check_key(test1_pem, want);
    snprintf(buf, sizeof buf, "\n%.*s", (int)strlen(test1_pem) - 1, test1_pem);
    check_key(buf, want);

    /* malformed */
    check_bad_key("");
    check_bad_key(" \n\t");
    snprintf(buf, sizeof buf, "%.63s", vectors[0].pub); /* 63 hex digits */
    check_bad_key(buf);
    snprintf(buf, sizeof buf, "%s0", vectors[0].pub); /* 65 */
    check_bad_key(buf);
    snprintf(buf, sizeof buf, "%.62sg0", vectors[0].pub); /* not hex */
    check_bad_key(buf);
    snprintf(buf, sizeof buf, "%.32s %.32s", vectors[0].pub, vectors[0].pub + 32);
    check_bad_key(buf);
    p = b64(want, 31); /* 31 bytes */
    check_bad_key(p);
    free(p);
    memcpy(other, want, 32);
    other[32] = 0;
    p = b64(other, 33); /* 33 bytes */
    check_bad_key(p);
    free(p);
    memcpy(other, der, 44);
    other[8] = 0x6e; /* X25519's OID 1.3.101.110, not Ed25519's */
    p = b64(other, 44);
    check_bad_key(p);
    free(p);
    memcpy(other, der, 44);
    other[1] = 0x2b; /* wrong SEQUENCE length */
    p = b64(other, 44);
    check_bad_key(p);
    free(p);
    p = b64(der, 43); /* DER cut short */
    check_bad_key(p);
    free(p);
    snprintf(buf, sizeof buf, "%s", raw64);
    buf[5] = '*'; /* not in the alphabet */
    check_bad_key(buf);
    snprintf(buf, sizeof buf, "%s", raw64);
    buf[5] = '-'; /* base64url is not accepted */
    check_bad_key(buf);
    snprintf(buf, sizeof buf, "%s=", raw64); /* too much padding */
    check_bad_key(buf);
    snprintf(buf, sizeof buf, "%.20s=%s", raw64, raw64 + 20); /* '=' inside */
    check_bad_key(buf);
    snprintf(buf, sizeof buf, "%s", raw64);
    buf[42] = (char)(buf[42] == 'o' ? 'p' : 'o'); /* non-zero unused bits */
    check_bad_key(buf);
    snprintf(buf, sizeof buf, "%.*s", (int)strlen(test1_pem) - 26, test1_pem); /* no END */
    check_bad_key(buf);
    snprintf(buf, sizeof buf, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
             raw64); /* PEM holds DER, never the raw key */
    check_bad_key(buf);
    check_bad_key("-----BEGIN PRIVATE KEY-----\n"
                  "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                  "-----END PRIVATE KEY-----\n");
    CHECK_EQ_INT(ota_sig_parse_public_key(NULL, want), OTA_ERR_INVALID_ARG);
    free(raw64);
    free(der64);
}

static void check_sig(const void *data, size_t len, const uint8_t *want)
{
    uint8_t out[64];
    CHECK_EQ_INT(ota_sig_parse_signature(data, len, out), 0);
    CHECK(memcmp(out, want, 64) == 0);
}

static void check_bad_sig(const void *data, size_t len)
{
    uint8_t out[64];
    memset(out, 0xaa, sizeof out);
    CHECK_EQ_INT(ota_sig_parse_signature(data, len, out), OTA_ERR_SIGNATURE);
    CHECK(out[0] == 0xaa && out[63] == 0xaa);
}

static void test_parse_signature(void)
{
    uint8_t want[64], raw[80], digits[64];
    char buf[400], *text;
    size_t i;

    unhex(vectors[1].sig, want, sizeof want);
    text = b64(want, 64);
    CHECK_EQ_INT(strlen(text), 88);

    check_sig(want, 64, want);                      /* raw file */
    check_sig(vectors[1].sig, 128, want);           /* hex */
    snprintf(buf, sizeof buf, "%s\n", vectors[1].sig);
    check_sig(buf, strlen(buf), want);              /* hex + newline */
    for (i = 0; i < 128; i++)
        buf[i] = (char)(vectors[1].sig[i] >= 'a' ? vectors[1].sig[i] - 32 : vectors[1].sig[i]);
    memcpy(buf + 128, "\r\n", 3);
    check_sig(buf, 130, want);                      /* HEX + CRLF */
    check_sig(text, 88, want);                      /* base64 */
    snprintf(buf, sizeof buf, "%s\n", text);
    check_sig(buf, strlen(buf), want);              /* base64 + newline */
    snprintf(buf, sizeof buf, "%.64s\n%s\n", text, text + 64);
    check_sig(buf, strlen(buf), want);              /* `openssl base64` wraps at 64 */
    snprintf(buf, sizeof buf, "%.86s", text);
    check_sig(buf, 86, want);                       /* unpadded */
    /* 64 bytes that happen to be text are still a raw signature */
    memcpy(digits, vectors[1].sig, 64);
    check_sig(digits, 64, digits);

    /* malformed */
    check_bad_sig(want, 0);
    check_bad_sig(NULL, 0);
    check_bad_sig(want, 63);
    memcpy(raw, want, 64);
    raw[64] = '\n'; /* a raw signature is exactly 64 bytes */
    check_bad_sig(raw, 65);
    check_bad_sig(raw, 80);
    check_bad_sig(vectors[1].sig, 127);
    snprintf(buf, sizeof buf, "%s0", vectors[1].sig);
    check_bad_sig(buf, 129);
    snprintf(buf, sizeof buf, "%s", vectors[1].sig);
    buf[100] = 'x';
    check_bad_sig(buf, 128);
    snprintf(buf, sizeof buf, "%.84s", text); /* 63 bytes of base64 */
    check_bad_sig(buf, 84);
    snprintf(buf, sizeof buf, "%sAAAA", text); /* data after the padding */
    check_bad_sig(buf, 92);
    snprintf(buf, sizeof buf, "%s", text);
    buf[10] = '!';
    check_bad_sig(buf, 88);
    {
        char *long_text = b64(raw, 66); /* 66 bytes */
        check_bad_sig(long_text, strlen(long_text));
        free(long_text);
    }
    CHECK_EQ_INT(ota_sig_parse_signature(NULL, 64, want), OTA_ERR_INVALID_ARG);
    free(text);
}

int main(void)
{
    test_vectors();
    test_tampering();
    test_state_machine();
    test_parse_public_key();
    test_parse_signature();
    TEST_MAIN_END();
}
