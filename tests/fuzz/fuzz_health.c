/* Fuzz target: the health record (health.c) on the simulated device. The
 * input is what .ota_health holds (empty: there is no such file). Checked
 * on every input:
 * - loading never fails but with OTA_ERR_STATE (a corrupt file), gives the
 *   record the pure parser gives for the same bytes, and a fresh record
 *   whenever it fails: a health record never blocks updates;
 * - an absent file is a fresh record and OTA_OK;
 * - a loaded record formats to text that parses back to the same record,
 *   and holds the very numbers the file's known members gave (checked with
 *   the C library's own conversions, which wider values do not fit);
 * - after the transitions, saving succeeds, the file holds exactly the
 *   formatted record, loading it gives it back, no temporary file is left,
 *   and the filesystem is used by the rules. */
#include <errno.h>
#include <limits.h>

#include "fuzz_sim.h"
#include "health.h"


/* What the pure parser makes of the file, as load must. */
static int expected_load(const uint8_t *data, size_t size, struct ota_health *h)
{
    if (size == 0) {
        ota_health_fresh(h);
        return OTA_OK;
    }
    if (size > OTA_HEALTH_TEXT_MAX) {
        ota_health_fresh(h);
        return OTA_ERR_STATE;
    }
    return ota_health_parse((const char *)data, size, h);
}

static void check_round_trip(const struct ota_health *h)
{
    char text[OTA_HEALTH_TEXT_MAX];
    struct ota_health back;
    size_t len = ota_health_format(h, text, sizeof text);

    FUZZ_CHECK(len > 0 && len == strlen(text));
    FUZZ_CHECK(ota_health_parse(text, len, &back) == OTA_OK && ota_health_equal(h, &back));
}

/* The value of name in a file's text, by strtoll: *found is 1, 0 when the
 * member is absent, -1 when strtoll cannot read it. */
static long long value_of(const char *text, size_t len, const char *name, int *found)
{
    char value[OTA_HEALTH_TEXT_MAX + 1], *end;
    size_t n = strlen(name), pos = 0;
    long long v;

    *found = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos;
        if (line_len > n && memcmp(text + pos, name, n) == 0 && text[pos + n] == ' ') {
            memcpy(value, text + pos + n + 1, line_len - n - 1);
            value[line_len - n - 1] = '\0';
            errno = 0;
            v = strtoll(value, &end, 10);
            *found = errno == ERANGE || end == value || *end != '\0' ? -1 : 1;
            return v;
        }
        pos += line_len + 1;
    }
    return 0;
}

/* A loaded record has, member by member, the numbers its file gave. */
static void check_values(const uint8_t *data, size_t size, const struct ota_health *h)
{
    static const struct {
        const char *name;
        long long min, max;
    } members[] = {
        {"last_check", LLONG_MIN, LLONG_MAX}, {"last_update", LLONG_MIN, LLONG_MAX},
        {"boots", 0, UINT32_MAX}, {"healthy_boots", 0, UINT32_MAX},
        {"crashes", 0, UINT32_MAX}, {"last_crash", LLONG_MIN, LLONG_MAX},
        {"last_error", INT32_MIN, INT32_MAX}, {"notice_sequence", 0, UINT32_MAX},
    };
    char text[OTA_HEALTH_TEXT_MAX];
    size_t len = ota_health_format(h, text, sizeof text), i;

    for (i = 0; i < sizeof members / sizeof members[0]; i++) {
        int in_file, in_record;
        long long given = value_of((const char *)data, size, members[i].name, &in_file);
        long long held = value_of(text, len, members[i].name, &in_record);
        FUZZ_CHECK(in_file >= 0 && in_record == 1);
        FUZZ_CHECK(given >= members[i].min && given <= members[i].max && given == held);
    }
}

/* Moves the record on as a device would: a crash, a boot, a check... */
static void live_a_little(struct ota_health *h)
{
    int64_t now = 1764000000 + (int64_t)h->boots; /* any record's fields may be extreme */

    ota_health_record_crash(h, now, OTA_ERR_TIMEOUT);
    ota_health_record_boot(h);
    if (h->boots % 2)
        ota_health_record_healthy_boot(h);
    ota_health_record_check(h, now + 1, h->boots % 3 ? OTA_OK : OTA_ERR_NETWORK);
    ota_health_record_update(h, now + 2);
    h->notice_sequence++;
}

static void check_save(struct fuzz_device *d, const struct ota_health *h)
{
    static char file[OTA_HEALTH_TEXT_MAX + 16];
    char text[OTA_HEALTH_TEXT_MAX];
    struct ota_health back;
    struct ota_stat st;
    long n;

    FUZZ_CHECK(ota_health_save(&d->ctx, h) == OTA_OK);
    n = fuzz_read(d, OTA_HEALTH_FILE, file, sizeof file);
    FUZZ_CHECK(n > 0 && (size_t)n == ota_health_format(h, text, sizeof text));
    FUZZ_CHECK(memcmp(file, text, (size_t)n) == 0);
    FUZZ_CHECK(ota_health_load(&d->ctx, &back) == OTA_OK && ota_health_equal(h, &back));
    FUZZ_CHECK(d->port.fs.stat(d->port.user, OTA_HEALTH_FILE ".tmp", &st) == OTA_ERR_NOT_FOUND);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_device *d = fuzz_device_start();
    struct ota_health h, expected;
    int err, expected_err;

    if (size > 0 && fuzz_put(d, OTA_HEALTH_FILE, strlen(OTA_HEALTH_FILE), data, size) != 0)
        return 0;
    fuzz_device_ready(d);
    expected_err = expected_load(data, size, &expected);

    memset(&h, 0x5a, sizeof h);
    err = ota_health_load(&d->ctx, &h);

    FUZZ_CHECK(err == expected_err && ota_health_equal(&h, &expected));
    FUZZ_CHECK(err == OTA_OK || err == OTA_ERR_STATE);
    if (err != OTA_OK || size == 0)
        FUZZ_CHECK(ota_health_is_fresh(&h));
    else
        check_values(data, size, &h);
    check_round_trip(&h);
    live_a_little(&h);
    check_round_trip(&h);
    check_save(d, &h);
    fuzz_device_check(d);
    return 0;
}
