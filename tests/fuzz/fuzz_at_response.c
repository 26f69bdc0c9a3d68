/* Fuzz target: the modem driver's response parsing (AT channel, unsolicited
 * codes, +HTTPACTION, the AT+HTTPHEAD header block, AT+HTTPREAD in both
 * dialects), driven through one ota_modem_get() whose serial input is the
 * fuzz input. The first byte picks the dialect; the rest is what the modem
 * "says", handed out in pieces of varying size, whatever was sent. A fake
 * clock moves on whenever the input runs dry, so every wait ends.
 *
 * Checked on every input:
 * - the result is OTA_OK or a known negative code, and a failure leaves a
 *   reason: printable, and without the request's token unless the modem's
 *   answer itself held it;
 * - the sink sees one status before any header or body byte, header names
 *   that are non-empty and without ':', CR or LF, values without CR or LF;
 * - on success, exactly the body length +HTTPACTION announced arrived, and
 *   never more than that in any case;
 * - the driver ends after a bounded number of reads. */
/* fuzz-extra: src/port/modem/at_channel.c src/port/modem/modem_attach.c */
/* fuzz-extra: src/port/modem/modem_dialect.c src/port/modem/modem_http.c */
/* fuzz-extra: src/port/modem/modem_http_head.c src/port/modem/modem_http_read.c */
/* fuzz-extra: src/port/modem/modem_http_request.c */
/* fuzz-extra: src/port/modem/modem_link.c src/port/modem/modem_reason.c */
/* fuzz-extra: src/port/modem/modem_register.c src/port/modem/modem_text.c */
/* fuzz-extra: src/port/modem/modem_urc.c -Isrc/port/modem */
#include "fuzz_check.h"
#include "ota_modem.h"

#define MAX_READS 200000
#define TOKEN "ghp_fuzzT0ken4Sure"

struct fake_line {
    const uint8_t *data;
    size_t len, pos;
    uint32_t now;
    unsigned long reads;
};

struct seen {
    int statuses;
    int status;
    uint64_t body;
    int touched; /* a header or body byte arrived */
};

static int fake_write(void *user, const uint8_t *data, size_t len)
{
    (void)user;
    (void)data;
    (void)len;
    return 0;
}

/* Pieces of 1 to 13 bytes, at no time; once the input is spent, each read
 * waits its whole timeout. */
static long fake_read(void *user, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    struct fake_line *f = user;
    size_t n = 1 + (f->pos * 7u + f->reads) % 13u;

    f->reads++;
    FUZZ_CHECK(f->reads < MAX_READS);
    if (f->pos == f->len) {
        f->now += timeout_ms ? timeout_ms : 1u;
        return 0;
    }
    if (n > len)
        n = len;
    if (n > f->len - f->pos)
        n = f->len - f->pos;
    memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    return (long)n;
}

static uint32_t fake_millis(void *user)
{
    return ((struct fake_line *)user)->now;
}

/* 1 when text occurs in data[0..size) once CRs are left out, as the
 * driver's line reader leaves them out. */
static int input_has(const uint8_t *data, size_t size, const char *text)
{
    size_t n = strlen(text), i, j, k;

    for (i = 0; i < size; i++) {
        for (j = i, k = 0; j < size && k < n; j++) {
            if (data[j] == '\r')
                continue;
            if (data[j] != (uint8_t)text[k])
                break;
            k++;
        }
        if (k == n)
            return 1;
    }
    return 0;
}

static int printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

static int has_byte(const char *s, size_t n, char c)
{
    return n > 0 && memchr(s, c, n) != NULL;
}

static int on_status(void *arg, int status)
{
    struct seen *s = arg;

    FUZZ_CHECK(s->statuses == 0 && !s->touched);
    FUZZ_CHECK(status >= 100 && status <= 599);
    s->statuses++;
    s->status = status;
    return 0;
}

static int on_header(void *arg, const char *name, size_t nlen, const char *value,
                     size_t vlen)
{
    struct seen *s = arg;

    FUZZ_CHECK(s->statuses == 1 && s->body == 0);
    FUZZ_CHECK(nlen > 0 && !has_byte(name, nlen, ':'));
    FUZZ_CHECK(!has_byte(name, nlen, '\r') && !has_byte(name, nlen, '\n'));
    FUZZ_CHECK(!has_byte(value, vlen, '\r') && !has_byte(value, vlen, '\n'));
    s->touched = 1;
    return 0;
}

static int on_body(void *arg, const uint8_t *data, size_t len)
{
    struct seen *s = arg;

    (void)data;
    FUZZ_CHECK(s->statuses == 1 && len > 0);
    s->body += len;
    s->touched = 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const headers[] = {"If-None-Match: \"e1\"", "User-Agent: fuzz",
                                          ("Authorization: token " TOKEN)};
    struct ota_modem m;
    struct ota_modem_config cfg;
    struct fake_line line = {NULL, 0, 0, 0, 0};
    struct seen seen = {0, 0, 0, 0};
    struct ota_http_sink sink = {on_status, on_header, on_body, NULL, NULL};
    struct ota_http_request req = {"http://h.example/x", headers, 3, 0};
    int err;

    if (size < 1)
        return 0;
    line.data = data + 1;
    line.len = size - 1;
    memset(&cfg, 0, sizeof cfg);
    cfg.dialect = (enum ota_modem_dialect)(data[0] % 3 + 1);
    cfg.serial.write = fake_write;
    cfg.serial.read = fake_read;
    cfg.serial.millis = fake_millis;
    cfg.serial.user = &line;
    cfg.timeouts.command_ms = 50;
    cfg.timeouts.read_ms = 50;
    cfg.timeouts.action_ms = 100;
    cfg.read_chunk = 64 + (uint32_t)(data[0] >> 2);
    req.range_start = data[0] & 0x80 ? 7 : 0;
    FUZZ_CHECK(ota_modem_init(&m, &cfg) == 0);
    m.up = m.attached = 1; /* the link is up: the input is the GET's alone */
    sink.arg = &seen;

    err = ota_modem_get(&m, &req, &sink);
    FUZZ_CHECK(fuzz_known_err(err));
    FUZZ_CHECK(strlen(m.reason) < sizeof m.reason);
    FUZZ_CHECK(err == OTA_OK || m.reason[0] != '\0');
    FUZZ_CHECK(printable(m.reason));
    FUZZ_CHECK(!strstr(m.reason, TOKEN) || input_has(data, size, TOKEN));
    FUZZ_CHECK(seen.statuses <= 1);
    if (seen.statuses)
        FUZZ_CHECK(seen.body <= m.action.length);
    if (err == OTA_OK)
        FUZZ_CHECK(seen.statuses == 1 && seen.body == m.action.length);
    return 0;
}
