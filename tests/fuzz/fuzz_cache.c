/* Fuzz target: the .ota_cache reader and writer (cache.c), with the input as
 * the file's contents on the simulated device. Every key the file names
 * (and two the engine uses) is looked up; then one fact is stored and the
 * deferral set and cleared. Checked on every input:
 * - lookups give a non-empty value and ETag that fit, or nothing; the
 *   deferral is never negative;
 * - a stored fact reads back exactly; storing it leaves the answer for every
 *   other key as it was (when no line is too long to read: those, and what
 *   follows them, are dropped by design); so does setting the deferral,
 *   which reads back exactly, and clearing it;
 * - no temporary file is left behind; the filesystem is used by the rules. */
#include "cache.h"
#include "fuzz_sim.h"

#define MAX_KEYS 6
#define VALUE_MAX OTA_PATH_MAX
#define LONGEST_LINE 510 /* what the engine's half of the smallest buffer reads */

struct answer {
    int found;
    char value[VALUE_MAX];
    char etag[OTA_ETAG_MAX];
};

struct keys {
    char key[MAX_KEYS][128];
    struct answer before[MAX_KEYS];
    size_t n;
};

static void add_key(struct keys *k, const char *s, size_t n)
{
    size_t i;

    if (k->n == MAX_KEYS || n == 0 || n >= sizeof k->key[0] || memchr(s, '\0', n) ||
        memchr(s, '\n', n))
        return;
    for (i = 0; i < k->n; i++)
        if (strlen(k->key[i]) == n && memcmp(k->key[i], s, n) == 0)
            return;
    memcpy(k->key[k->n], s, n);
    k->key[k->n++][n] = '\0';
}

/* The keys of the file's "E <key> ..." lines; 1 when a line is too long. */
static int collect_keys(struct keys *k, const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    int overlong = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *space;
        overlong |= eol - p > LONGEST_LINE;
        if (eol - p > 2 && p[0] == 'E' && p[1] == ' ' &&
            (space = memchr(p + 2, ' ', (size_t)(eol - p - 2))) != NULL)
            add_key(k, p + 2, (size_t)(space - p - 2));
        p = eol + 1;
    }
    return overlong;
}

static void lookup(struct fuzz_device *d, const char *key, struct answer *a)
{
    memset(a, 0, sizeof *a);
    a->found = ota_cache_lookup(&d->ctx, key, a->value, sizeof a->value, a->etag);
    FUZZ_CHECK(a->found == 0 || a->found == 1);
    if (!a->found)
        memset(a, 0, sizeof *a);
    else
        FUZZ_CHECK(a->value[0] && a->etag[0] && memchr(a->value, '\0', sizeof a->value) &&
                   memchr(a->etag, '\0', sizeof a->etag));
}

static int same(const struct answer *a, const struct answer *b)
{
    return a->found == b->found && strcmp(a->value, b->value) == 0 &&
           strcmp(a->etag, b->etag) == 0;
}

/* Every key but skip answers as before. */
static void unchanged(struct fuzz_device *d, const struct keys *k, size_t skip)
{
    struct answer now;
    size_t i;

    for (i = 0; i < k->n; i++) {
        if (i == skip)
            continue;
        lookup(d, k->key[i], &now);
        FUZZ_CHECK(same(&now, &k->before[i]));
    }
}

static void no_leftovers(struct fuzz_device *d)
{
    struct ota_stat st;

    fuzz_device_check(d);
    FUZZ_CHECK(d->port.fs.stat(d->port.user, OTA_CACHE_FILE ".tmp", &st) == OTA_ERR_NOT_FOUND);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const etags[] = {
        "\"e\"", "W/\"weak etag\"",
        "\"0123456789012345678901234567890123456789012345678901234567890123456789012345\""};
    struct fuzz_device *d = fuzz_device_start();
    struct keys k;
    struct answer stored;
    const char *etag = etags[size % 3];
    int64_t until = 1700000000 + (int64_t)size;
    size_t i, pick;
    int overlong;

    memset(&k, 0, sizeof k);
    add_key(&k, "o/r:releases/latest", 19);
    add_key(&k, "o/r:commits/main", 16);
    overlong = collect_keys(&k, data, size);
    if (fuzz_put(d, OTA_CACHE_FILE, strlen(OTA_CACHE_FILE), data, size) != OTA_OK)
        return 0;
    fuzz_device_ready(d);
    for (i = 0; i < k.n; i++)
        lookup(d, k.key[i], &k.before[i]);
    FUZZ_CHECK(ota_cache_deferred_until(&d->ctx) >= 0);

    pick = size % k.n;
    FUZZ_CHECK(ota_cache_store(&d->ctx, k.key[pick], "0123abcd", etag) == OTA_OK);
    no_leftovers(d);
    lookup(d, k.key[pick], &stored);
    FUZZ_CHECK(stored.found && strcmp(stored.value, "0123abcd") == 0 &&
               strcmp(stored.etag, etag) == 0);
    if (!overlong)
        unchanged(d, &k, pick);
    for (i = 0; i < k.n; i++) /* the file no longer has a line too long */
        lookup(d, k.key[i], &k.before[i]);

    /* whatever the file held, the deferral now reads back, and only it changed */
    FUZZ_CHECK(ota_cache_defer(&d->ctx, until) == OTA_OK);
    no_leftovers(d);
    FUZZ_CHECK(ota_cache_deferred_until(&d->ctx) == until);
    unchanged(d, &k, MAX_KEYS);
    FUZZ_CHECK(ota_cache_defer(&d->ctx, 0) == OTA_OK);
    no_leftovers(d);
    FUZZ_CHECK(ota_cache_deferred_until(&d->ctx) == 0);
    unchanged(d, &k, MAX_KEYS);
    return 0;
}
