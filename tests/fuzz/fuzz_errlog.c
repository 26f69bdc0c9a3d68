/* Fuzz target: the persistent error log (errlog.c). The input's first line
 * is the failure reason to record (cut to OTA_REASON_MAX - 1 bytes, as the
 * engine's reason is); the rest, when there is a newline, is what
 * ota_error.json held before. Checked on every input:
 * - the append succeeds and leaves "[", the newest entries of the old log
 *   (at most OTA_ERRLOG_MAX_ENTRIES - 1, each line as it was, its trailing
 *   commas and spaces aside, followed by ","), one new entry line, "]";
 *   a log with a line too long to read is replaced rather than copied;
 * - the new entry is one JSON object whose "message" is the reason (or, when
 *   it had to be cut, a prefix of it), whenever the reason is valid UTF-8;
 * - the whole file is valid JSON whenever every entry copied was;
 * - no temporary file is left behind; the filesystem is used by the rules. */
#include "errlog.h"
#include "fuzz_sim.h"
#include "state.h"

#define LONGEST_LINE 510 /* what the engine's half of the smallest buffer reads */
#define LOG_MAX (2 * 65536)

struct expected {
    char *text; /* "[\n" and the entries kept, each with ",\n" */
    size_t len;
    int copied_valid; /* every entry kept is a JSON document */
};

static void keep_entry(struct expected *e, const char *line, size_t n)
{
    while (n && (line[n - 1] == ',' || line[n - 1] == ' '))
        n--;
    e->copied_valid &= fuzz_json_valid(line, n);
    memcpy(e->text + e->len, line, n);
    memcpy(e->text + e->len + n, ",\n", 2);
    e->len += n + 2;
}

/* What the log must start with after the append. */
static void expect(struct expected *e, const char *old, size_t size, int exists)
{
    const char *line[OTA_ERRLOG_MAX_ENTRIES];
    size_t len[OTA_ERRLOG_MAX_ENTRIES], total = 0, i;
    const char *p = old, *end = old + size;

    e->text = malloc(size + 32);
    memcpy(e->text, "[\n", 2);
    e->len = 2;
    e->copied_valid = 1;
    while (exists && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if (eol - p > LONGEST_LINE)
            return; /* unreadable: replaced */
        if (p[0] == '{' && eol > p) {
            line[total % (OTA_ERRLOG_MAX_ENTRIES - 1)] = p;
            len[total % (OTA_ERRLOG_MAX_ENTRIES - 1)] = (size_t)(eol - p);
            total++;
        }
        p = eol + 1;
    }
    i = total > OTA_ERRLOG_MAX_ENTRIES - 1 ? total - (OTA_ERRLOG_MAX_ENTRIES - 1) : 0;
    for (; i < total; i++)
        keep_entry(e, line[i % (OTA_ERRLOG_MAX_ENTRIES - 1)],
                   len[i % (OTA_ERRLOG_MAX_ENTRIES - 1)]);
}

/* Picks the value of the entry's top-level "message" member. */
struct message {
    char text[1024];
    size_t len;
    int next_is_it;
    int found;
};

static int on_token(void *arg, const struct ota_json_token *t)
{
    struct message *m = arg;

    if (t->depth == 1 && t->type == OTA_JSON_KEY) {
        m->next_is_it = strcmp(t->text, "message") == 0;
        return OTA_OK;
    }
    if (t->depth == 1 && m->next_is_it && t->type == OTA_JSON_STRING) {
        memcpy(m->text, t->text, t->len);
        m->len = t->len;
        m->found = 1;
    }
    m->next_is_it = 0;
    return OTA_OK;
}

static void check_entry(const char *entry, size_t n, const char *reason)
{
    static char scratch[1024];
    struct message m;
    struct ota_json j;
    size_t rlen = strlen(reason);

    memset(&m, 0, sizeof m);
    ota_json_init(&j, scratch, sizeof scratch, on_token, &m);
    FUZZ_CHECK(ota_json_feed(&j, (const uint8_t *)entry, n) == OTA_OK &&
               ota_json_finish(&j) == OTA_OK);
    FUZZ_CHECK(m.found && m.len <= rlen && memcmp(m.text, reason, m.len) == 0);
    if (rlen <= 40) /* short enough that nothing may be cut */
        FUZZ_CHECK(m.len == rlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char log[LOG_MAX];
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t first = nl ? (size_t)(nl - text) : size;
    char reason[OTA_REASON_MAX];
    struct fuzz_device *d = fuzz_device_start();
    struct expected e;
    struct ota_stat st;
    const char *entry;
    long n;

    if (size > LOG_MAX / 2)
        return 0;
    memcpy(reason, text, first < sizeof reason ? first : sizeof reason - 1);
    reason[first < sizeof reason ? first : sizeof reason - 1] = '\0';
    if (nl && fuzz_put(d, OTA_ERROR_FILE, strlen(OTA_ERROR_FILE), nl + 1,
                       size - first - 1) != OTA_OK)
        return 0;
    fuzz_device_ready(d);
    expect(&e, nl ? nl + 1 : text, nl ? size - first - 1 : 0, nl != NULL);

    FUZZ_CHECK(ota_errlog_append(&d->ctx, "update", OTA_ERR_HTTP_NOT_FOUND, reason) == OTA_OK);

    fuzz_device_check(d);
    FUZZ_CHECK(d->port.fs.stat(d->port.user, OTA_ERROR_FILE ".tmp", &st) == OTA_ERR_NOT_FOUND);
    n = fuzz_read(d, OTA_ERROR_FILE, log, sizeof log);
    FUZZ_CHECK(n >= (long)e.len + 3 && memcmp(log, e.text, e.len) == 0);
    FUZZ_CHECK(memcmp(log + n - 2, "]\n", 2) == 0);
    entry = log + e.len;
    FUZZ_CHECK(entry[0] == '{' && memchr(entry, '\n', (size_t)n - e.len) == log + n - 3);
    if (fuzz_utf8_valid(reason, strlen(reason))) {
        check_entry(entry, (size_t)n - e.len - 3, reason);
        if (e.copied_valid)
            FUZZ_CHECK(fuzz_json_valid(log, (size_t)n));
    }
    free(e.text);
    return 0;
}
