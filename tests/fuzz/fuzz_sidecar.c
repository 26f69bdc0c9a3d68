/* Fuzz target: the SHA-256 sidecar lookup (sidecar.c), with the input as the
 * staged sidecar on the simulated device, in `sha256sum` format: lines
 * "<64 hex>  <path>" or "<64 hex> *<path>". Every path the file names (and
 * one it may not) is looked up. Checked on every input:
 * - the result is OTA_OK, or OTA_ERR_HASH_MISMATCH with a reason;
 * - a hash found is 64 lowercase hex digits, and the file has a line for
 *   that path with that hash (in either case);
 * - the first line naming the path decides: it is found with its hash when
 *   that is 64 hex digits, refused when not (unless a line before it is too
 *   long to read: then it is refused either way);
 * - the filesystem is used by the rules. */
#include "fuzz_sim.h"
#include "hex.h"
#include "sidecar.h"

#define STAGED ".ota_stage/sha256sums"
#define MAX_PATHS 5
#define LONGEST_LINE 510 /* what half of the smallest work buffer reads */

/* Does line[0..n) name path ("<64 chars> " then ' ' or '*', then path)? */
static int names(const char *line, size_t n, const char *path)
{
    size_t plen = strlen(path);

    return n == 66 + plen && line[64] == ' ' && (line[65] == ' ' || line[65] == '*') &&
           memcmp(line + 66, path, plen) == 0;
}

static int all_hex(const char *s, size_t n, int lowercase)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (ota_hex_value(s[i]) < 0 || (lowercase && s[i] >= 'A' && s[i] <= 'F'))
            return 0;
    return 1;
}

/* The verdict the format gives: 1 found (hash in want), 0 refused, -1 when
 * a line too long to read comes first. has_line: some line names path with
 * the hash got. */
static int expected(const char *text, size_t size, const char *path, char want[65],
                    const char *got, int *has_line)
{
    const char *p = text, *end = text + size;
    int verdict = 0, decided = 0, blocked = 0;

    *has_line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        blocked |= !decided && n > LONGEST_LINE;
        if (names(p, n, path)) {
            if (!decided && all_hex(p, 64, 0)) {
                verdict = 1;
                memcpy(want, p, 64);
            }
            decided = 1;
            *has_line |= got && ota_ascii_ieq(p, got, 64);
        }
        p += n + 1;
    }
    return blocked ? -1 : verdict;
}

static void add_path(char paths[MAX_PATHS][OTA_PATH_MAX], size_t *count, const char *s, size_t n)
{
    if (*count < MAX_PATHS && n > 0 && n < OTA_PATH_MAX && !memchr(s, '\0', n)) {
        memcpy(paths[*count], s, n);
        paths[(*count)++][n] = '\0';
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char paths[MAX_PATHS][OTA_PATH_MAX];
    const char *text = (const char *)data, *p = text, *end = text + size;
    struct fuzz_device *d = fuzz_device_start();
    size_t count = 0, i;

    add_path(paths, &count, "main.py", 7);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > 66)
            add_path(paths, &count, p + 66, n - 66);
        p += n + 1;
    }
    if (fuzz_put(d, STAGED, strlen(STAGED), data, size) != OTA_OK)
        return 0;
    fuzz_device_ready(d);
    for (i = 0; i < count; i++) {
        char hex[OTA_SHA256_HEX], want[65];
        int err, verdict, has_line;
        memset(hex, 0, sizeof hex);
        d->ctx.reason[0] = '\0';
        err = ota_sidecar_lookup(&d->ctx, paths[i], hex, (char *)d->ctx.io_buf, d->ctx.io_size);
        fuzz_device_check(d);
        FUZZ_CHECK(err == OTA_OK || (err == OTA_ERR_HASH_MISMATCH && d->ctx.reason[0]));
        verdict = expected(text, size, paths[i], want, err == OTA_OK ? hex : NULL, &has_line);
        if (err == OTA_OK)
            FUZZ_CHECK(strlen(hex) == 64 && all_hex(hex, 64, 1) && has_line);
        if (verdict >= 0)
            FUZZ_CHECK((err == OTA_OK) == verdict);
        if (verdict == 1)
            FUZZ_CHECK(ota_ascii_ieq(hex, want, 64));
    }
    return 0;
}
