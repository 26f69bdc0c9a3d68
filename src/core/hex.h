/* Hex text <-> bytes, for git object names and digests in state files. */
#ifndef OTA_CORE_HEX_H
#define OTA_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes 2n lowercase hex digits (git's spelling) and a NUL: out holds 2n+1. */
void ota_hex_encode(const uint8_t *in, size_t n, char *out);

/* The value of one hex digit (either case), or -1. */
int ota_hex_value(char c);

/* Decodes exactly in_len digits (either case) into exactly out_len bytes.
 * Returns 0, or -1 when in_len != 2 * out_len or any character is not a hex
 * digit; out is left unspecified on failure. */
int ota_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t out_len);

#ifdef __cplusplus
}
#endif

/* 1 when s is exactly 40 lowercase hex digits, as git spells a SHA-1. */
int ota_hex_is_sha1(const char *s, size_t n);

#endif
