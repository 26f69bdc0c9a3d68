/* Shared by the fuzz targets: how an invariant fails (a message naming it,
 * then abort(), which libFuzzer and the smoke runner both report as a
 * crash), and oracles that several targets need. */
#ifndef OTA_FUZZ_CHECK_H
#define OTA_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ota/ota.h"
#include "strbuf.h"

#define FUZZ_CHECK(cond)                                                        \
    do {                                                                        \
        if (!(cond))                                                            \
            fuzz_fail(__FILE__, __LINE__, #cond);                               \
    } while (0)

static inline void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

/* OTA_OK, or one of the negative codes ota_err.h defines. */
static inline int fuzz_known_err(int err)
{
    return err == OTA_OK || (err < 0 && strcmp(ota_err_name(err), "OTA_ERR_UNKNOWN") != 0);
}

/* 1 when text[0..n) is exactly one JSON document, by the core's strict
 * tokenizer (the same one every reader on the device uses). */
static inline int fuzz_json_valid(const char *text, size_t n)
{
    char scratch[8];
    struct ota_json j;

    ota_json_init(&j, scratch, sizeof scratch, NULL, NULL);
    return ota_json_feed(&j, (const uint8_t *)text, n) == OTA_OK && ota_json_finish(&j) == OTA_OK;
}

/* 1 when s[0..n) is valid UTF-8 (NUL included): escaped into a JSON string
 * literal, it parses. */
static inline int fuzz_utf8_valid(const char *s, size_t n)
{
    size_t cap = 6 * n + 3;
    char *lit = malloc(cap);
    struct ota_strbuf sb;
    int ok;

    ota_sb_init(&sb, lit, cap);
    ota_sb_addc(&sb, '"');
    ota_sb_add_json_escaped(&sb, s, n);
    ota_sb_addc(&sb, '"');
    ok = !sb.overflow && fuzz_json_valid(lit, sb.len);
    free(lit);
    return ok;
}

/* 1 when needle (NUL-terminated, not empty) occurs in hay[0..n). */
static inline int fuzz_contains(const void *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    const char *h = hay;

    for (i = 0; k <= n && i <= n - k; i++)
        if (memcmp(h + i, needle, k) == 0)
            return 1;
    return 0;
}

#endif
