/* Fuzz target: the Ed25519 signature and public key parsers (sig.h), on any
 * bytes. Checked on every input:
 * - a rejected input leaves the output untouched, with the documented code;
 * - an accepted one was a documented spelling of exactly the bytes returned
 *   (hex in either case, or base64 with its one spelling per value, white
 *   space and padding aside; for a key also the DER SubjectPublicKeyInfo and
 *   its PEM block);
 * - every documented spelling of those bytes parses back to them: raw, hex
 *   in both cases, base64 with and without padding, wrapped the way openssl
 *   wraps it, and, for a key (whose base64 "may span lines"), wrapped at a
 *   width and with a line ending that the input chooses. */
#include "fuzz_check.h"
#include "hex.h"
#include "sig.h"

#define TEXT_MAX 1024

/* RFC 8410: an Ed25519 key's DER SubjectPublicKeyInfo is this prefix and
 * the 32 key bytes; PEM puts its base64 between these two lines. */
#define SPKI_PREFIX "302a300506032b6570032100"
#define SPKI_LEN (sizeof SPKI_PREFIX / 2 + OTA_ED25519_KEY_LEN)
#define PEM_BEGIN "-----BEGIN PUBLIC KEY-----"
#define PEM_END "-----END PUBLIC KEY-----"

static void spki(const uint8_t key[OTA_ED25519_KEY_LEN], uint8_t der[SPKI_LEN])
{
    size_t prefix = sizeof SPKI_PREFIX / 2;

    FUZZ_CHECK(ota_hex_decode(SPKI_PREFIX, 2 * prefix, der, prefix) == 0);
    memcpy(der + prefix, key, OTA_ED25519_KEY_LEN);
}

static int is_space(char c)
{
    return c && strchr(" \t\r\n", c) != NULL;
}

/* RFC 4648 base64 of in[0..n), padded; returns its length. */
static size_t b64(const uint8_t *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;

    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

/* s without its white space and '=' (the parts the parsers let vary). */
static size_t squeeze(const char *s, size_t n, char *out)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++)
        if (!is_space(s[i]) && s[i] != '=')
            out[o++] = s[i];
    out[o] = '\0';
    return o;
}

/* Is s[0..n) the base64 of in[0..len), up to white space and padding? */
static int spells_b64(const char *s, size_t n, const uint8_t *in, size_t len)
{
    char want[TEXT_MAX], got[TEXT_MAX];
    size_t w, g;

    w = squeeze(want, b64(in, len, want), want);
    g = squeeze(s, n, got);
    return w == g && memcmp(want, got, w) == 0;
}

static int spells_hex(const char *s, size_t n, const uint8_t *in, size_t len)
{
    char want[2 * OTA_ED25519_SIG_LEN + 1];

    ota_hex_encode(in, len, want);
    return n == 2 * len && ota_ascii_ieq(s, want, n);
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

/* base64 of in, cut into lines of `width` characters ending with eol. */
static void wrapped(const uint8_t *in, size_t len, size_t width, const char *eol, int pad,
                    char *out)
{
    char flat[TEXT_MAX];
    size_t n = b64(in, len, flat), i, o = 0;

    while (!pad && n && flat[n - 1] == '=')
        n--;
    for (i = 0; i < n; i++) {
        if (i && i % width == 0) {
            memcpy(out + o, eol, strlen(eol));
            o += strlen(eol);
        }
        out[o++] = flat[i];
    }
    out[o] = '\0';
}

/* ---- signatures ------------------------------------------------------------ */

static void sig_parses_to(const char *text, size_t n, const uint8_t want[OTA_ED25519_SIG_LEN])
{
    uint8_t got[OTA_ED25519_SIG_LEN];

    FUZZ_CHECK(ota_sig_parse_signature((const uint8_t *)text, n, got) == OTA_OK);
    FUZZ_CHECK(memcmp(got, want, sizeof got) == 0);
}

static void sig_spellings(const uint8_t sig[OTA_ED25519_SIG_LEN])
{
    char text[TEXT_MAX], body[TEXT_MAX / 2];
    size_t i;

    sig_parses_to((const char *)sig, OTA_ED25519_SIG_LEN, sig);
    ota_hex_encode(sig, OTA_ED25519_SIG_LEN, text);
    sig_parses_to(text, strlen(text), sig);
    for (i = 0; text[i]; i++)
        text[i] = (char)(text[i] >= 'a' ? text[i] - 'a' + 'A' : text[i]);
    strcat(text, "\r\n");
    sig_parses_to(text, strlen(text), sig);
    b64(sig, OTA_ED25519_SIG_LEN, text);
    sig_parses_to(text, strlen(text), sig);
    sig_parses_to(text, strlen(text) - 2, sig); /* unpadded */
    wrapped(sig, OTA_ED25519_SIG_LEN, 64, "\n", 1, body); /* `openssl base64` */
    sprintf(text, " %s\n", body);
    sig_parses_to(text, strlen(text), sig);
}

static void fuzz_signature(const uint8_t *data, size_t size)
{
    uint8_t out[OTA_ED25519_SIG_LEN], untouched[OTA_ED25519_SIG_LEN];
    const char *s = (const char *)data;
    size_t n = size;
    int err;

    memset(out, 0xA5, sizeof out);
    memcpy(untouched, out, sizeof out);
    err = ota_sig_parse_signature(data, size, out);
    FUZZ_CHECK(err == OTA_OK || err == OTA_ERR_SIGNATURE);
    if (err != OTA_OK) {
        FUZZ_CHECK(memcmp(out, untouched, sizeof out) == 0);
        return;
    }
    if (size == OTA_ED25519_SIG_LEN) {
        FUZZ_CHECK(memcmp(out, data, size) == 0);
    } else {
        trim(&s, &n);
        FUZZ_CHECK(spells_hex(s, n, out, sizeof out) || spells_b64(s, n, out, sizeof out));
    }
    sig_spellings(out);
}

/* ---- public keys --------------------------------------------------------------- */

static void key_parses_to(const char *text, const uint8_t want[OTA_ED25519_KEY_LEN])
{
    uint8_t got[OTA_ED25519_KEY_LEN];

    FUZZ_CHECK(ota_sig_parse_public_key(text, got) == OTA_OK);
    FUZZ_CHECK(memcmp(got, want, sizeof got) == 0);
}

/* width (1..80) and line ending chosen by the input */
static void key_spellings(const uint8_t key[OTA_ED25519_KEY_LEN], size_t width, const char *eol)
{
    uint8_t der[SPKI_LEN];
    char text[TEXT_MAX], body[TEXT_MAX / 2];
    int pad;

    ota_hex_encode(key, OTA_ED25519_KEY_LEN, text);
    key_parses_to(text, key);
    spki(key, der);
    for (pad = 0; pad < 2; pad++) {
        wrapped(key, OTA_ED25519_KEY_LEN, 80, "", pad, text);
        key_parses_to(text, key);
        wrapped(der, sizeof der, 64, "\n", pad, body);
        sprintf(text, PEM_BEGIN "\n%s\n" PEM_END "\n", body); /* `openssl pkey -pubout` */
        key_parses_to(text, key);
        key_parses_to(body, key);
        wrapped(key, OTA_ED25519_KEY_LEN, width, eol, pad, text);
        key_parses_to(text, key);
        wrapped(der, sizeof der, width, eol, pad, text);
        key_parses_to(text, key);
    }
}

static int key_spelled(const char *s, size_t n, const uint8_t key[OTA_ED25519_KEY_LEN])
{
    uint8_t der[SPKI_LEN];
    size_t b = strlen(PEM_BEGIN), e = strlen(PEM_END);
    int pem = n >= b + e && memcmp(s, PEM_BEGIN, b) == 0 && memcmp(s + n - e, PEM_END, e) == 0;

    spki(key, der);
    if (pem)
        return spells_b64(s + b, n - b - e, der, sizeof der);
    return spells_hex(s, n, key, OTA_ED25519_KEY_LEN) ||
           spells_b64(s, n, key, OTA_ED25519_KEY_LEN) || spells_b64(s, n, der, sizeof der);
}

static void fuzz_public_key(const uint8_t *data, size_t size)
{
    static const char *const eols[] = {"\n", "\r\n"};
    uint8_t out[OTA_ED25519_KEY_LEN], untouched[OTA_ED25519_KEY_LEN];
    char *text = malloc(size + 1);
    const char *s = text;
    size_t n;
    int err;

    memcpy(text, data, size);
    text[size] = '\0';
    n = strlen(text);
    memset(out, 0x5A, sizeof out);
    memcpy(untouched, out, sizeof out);
    err = ota_sig_parse_public_key(text, out);
    FUZZ_CHECK(err == OTA_OK || err == OTA_ERR_CONFIG);
    if (err != OTA_OK) {
        FUZZ_CHECK(memcmp(out, untouched, sizeof out) == 0);
    } else {
        trim(&s, &n);
        FUZZ_CHECK(key_spelled(s, n, out));
        key_spellings(out, 1 + size % 80, eols[size / 80 % 2]);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TEXT_MAX / 2)
        return 0;
    fuzz_signature(data, size);
    fuzz_public_key(data, size);
    return 0;
}
