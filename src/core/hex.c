/* Hex codec. Decoding is strict (exact length, nothing but hex digits) because
 * its input comes from the network and from state files that may be torn. */
#include "hex.h"

void ota_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* 0..15, or -1. Explicit ranges rather than isxdigit(): no locale, no ctype
 * tables on the target, and no undefined behaviour for negative chars. */
int ota_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int ota_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_len)
{
    size_t i;

    /* Compared this way round so 2 * out_len cannot overflow. */
    if (in_len % 2 != 0 || in_len / 2 != out_len)
        return -1;
    for (i = 0; i < out_len; i++) {
        int hi = ota_hex_value(in[2 * i]), lo = ota_hex_value(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int ota_hex_is_sha1(const char *s, size_t n)
{
    size_t i;

    if (n != 40)
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}
