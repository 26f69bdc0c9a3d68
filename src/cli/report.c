#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 24
#define REDRAW_MS 100

const char *human_bytes(uint64_t n, char *buf, size_t cap)
{
    if (n < 1024)
        snprintf(buf, cap, "%llu B", (unsigned long long)n);
    else if (n < 1024 * 1024)
        snprintf(buf, cap, "%.1f KiB", (double)n / 1024.0);
    else
        snprintf(buf, cap, "%.1f MiB", (double)n / (1024.0 * 1024.0));
    return buf;
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int plain_lines(const struct cli *cli)
{
    return !cli->opt.json && !cli->opt.quiet && !cli->progress.enabled;
}

void report_line(struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    if (cli->opt.json || cli->opt.quiet)
        return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* "  1.2 MiB/s  ETA 0:07" once a rate can be told */
static void draw_rate(const struct progress *p, uint64_t done, long t)
{
    double secs = (double)(t - p->start_ms) / 1000.0, rate;
    char r[32];
    long eta;

    if (secs < 0.5 || done == 0)
        return;
    rate = (double)done / secs;
    eta = (long)((double)(p->bytes_total > done ? p->bytes_total - done : 0) / rate + 0.5);
    fprintf(stderr, "  %s/s  ETA %ld:%02ld", human_bytes((uint64_t)rate, r, sizeof r),
            eta / 60, eta % 60);
}

static void draw_bar(struct progress *p, int force)
{
    uint64_t done = p->bytes_done_before + p->bytes_current;
    unsigned filled = 0, i;
    char a[32], b[32];
    long t = now_ms();

    if (!force && t - p->last_draw_ms < REDRAW_MS)
        return;
    p->last_draw_ms = t;
    if (p->bytes_total > 0)
        filled = (unsigned)(done * BAR_WIDTH / p->bytes_total);
    fputs("\r\033[K[", stderr);
    for (i = 0; i < BAR_WIDTH; i++)
        fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %u/%u files  %s / %s", p->files_done, p->files_total,
            human_bytes(done, a, sizeof a), human_bytes(p->bytes_total, b, sizeof b));
    draw_rate(p, done, t);
    fprintf(stderr, "  %.32s", p->path ? p->path : "");
    fflush(stderr);
}

static void clear_bar(struct progress *p)
{
    if (p->enabled) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

static void on_retry(struct cli *cli, const struct ota_event *ev)
{
    if (cli->retry_count < MAX_RETRY_DELAYS)
        cli->retry_delays_ms[cli->retry_count++] = ev->delay_ms;
    clear_bar(&cli->progress);
    if (!cli->opt.quiet)
        fprintf(stderr, "ota: %s; retrying in %.1f s\n", ota_reason(&cli->ctx)[0]
                    ? ota_reason(&cli->ctx) : ota_strerror(ev->err),
                (double)ev->delay_ms / 1000.0);
}

void report_event(void *arg, const struct ota_event *ev)
{
    struct cli *cli = arg;
    struct progress *p = &cli->progress;
    char size[32];

    switch (ev->type) {
    case OTA_EVENT_RESOLVED:
        report_line(cli, "target %.12s", ev->commit);
        break;
    case OTA_EVENT_PLANNED:
        p->start_ms = now_ms();
        p->files_total = ev->files_total;
        p->bytes_total = ev->bytes_total;
        report_line(cli, "fetching %u file(s), %s", ev->files_total,
                    human_bytes(ev->bytes_total, size, sizeof size));
        break;
    case OTA_EVENT_FILE_BEGIN:
        p->path = ev->path;
        p->bytes_current = 0;
        break;
    case OTA_EVENT_FILE_PROGRESS:
        p->bytes_current = ev->bytes_done;
        if (p->enabled)
            draw_bar(p, 0);
        break;
    case OTA_EVENT_FILE_DONE:
        p->files_done++;
        p->bytes_done_before += p->bytes_current;
        p->bytes_current = 0;
        if (p->enabled)
            draw_bar(p, 1);
        else if (plain_lines(cli))
            report_line(cli, "verified %s", ev->path);
        break;
    case OTA_EVENT_RETRY:
        on_retry(cli, ev);
        break;
    case OTA_EVENT_INSTALLED:
        clear_bar(p);
        break;
    case OTA_EVENT_REVERTING:
        report_line(cli, "reverting %.12s to the previous version", ev->commit);
        break;
    case OTA_EVENT_REVERTED:
        report_line(cli, "reverted to %s", ev->commit[0] ? ev->commit : "nothing");
        break;
    }
}

static const char *reason_or_text(int err, const char *reason)
{
    return reason && reason[0] ? reason : ota_strerror(err);
}

void report_json_head(struct cli *cli, struct jsonw *w, const char *command,
                      const char *status, int err, const char *reason)
{
    size_t i;

    jsonw_str(w, "command", command);
    jsonw_str(w, "status", status);
    jsonw_u64(w, "engine_memory_bytes", sizeof cli->ctx + cli->buf_size);
    jsonw_open(w, "warnings", '[');
    for (i = 0; i < cli->cfg.warning_count; i++)
        jsonw_str(w, NULL, cli->cfg.warnings[i]);
    jsonw_close(w, ']');
    if (err == 0)
        return;
    jsonw_open(w, "error", '{');
    jsonw_int(w, "code", err);
    jsonw_str(w, "name", ota_err_name(err));
    jsonw_str(w, "message", ota_strerror(err));
    jsonw_str(w, "reason", reason_or_text(err, reason));
    jsonw_close(w, '}');
}

void report_error(struct cli *cli, const char *command, int err, const char *reason)
{
    clear_bar(&cli->progress);
    fprintf(stderr, "ota %s: error: %s\n", command, reason_or_text(err, reason));
}

void report_warnings(struct cli *cli)
{
    size_t i;

    if (cli->opt.quiet)
        return;
    for (i = 0; i < cli->cfg.warning_count; i++)
        fprintf(stderr, "ota: warning: %s\n", cli->cfg.warnings[i]);
}

int exit_code_for(int err)
{
    switch (err) {
    case OTA_OK: return EXIT_OK;
    case OTA_ERR_CONFIG:
    case OTA_ERR_INVALID_ARG: return EXIT_CONFIG;
    case OTA_ERR_NETWORK:
    case OTA_ERR_TIMEOUT:
    case OTA_ERR_HTTP_STATUS:
    case OTA_ERR_SERVER:
    case OTA_ERR_REDIRECTS:
    case OTA_ERR_TRUNCATED:
    case OTA_ERR_NO_LINK: return EXIT_NETWORK;
    case OTA_ERR_HASH_MISMATCH:
    case OTA_ERR_SIZE_MISMATCH:
    case OTA_ERR_TOO_LARGE:
    case OTA_ERR_UNSAFE_PATH:
    case OTA_ERR_PATH_TOO_LONG:
    case OTA_ERR_JSON_SYNTAX:
    case OTA_ERR_JSON_DEPTH:
    case OTA_ERR_JSON_UTF8:
    case OTA_ERR_JSON_INCOMPLETE:
    case OTA_ERR_BAD_RESPONSE:
    case OTA_ERR_TREE_TRUNCATED:
    case OTA_ERR_CRYPTO:
    case OTA_ERR_SIGNATURE:
    case OTA_ERR_MANIFEST:
    case OTA_ERR_EXPIRED:
    case OTA_ERR_ROLLBACK:
    case OTA_ERR_DUPLICATE: return EXIT_VERIFY;
    case OTA_ERR_IO:
    case OTA_ERR_NOT_FOUND:
    case OTA_ERR_NO_SPACE:
    case OTA_ERR_STATE: return EXIT_STORAGE;
    case OTA_ERR_RATE_LIMITED: return EXIT_RATE_LIMITED;
    case OTA_ERR_UNAUTHORIZED:
    case OTA_ERR_HTTP_NOT_FOUND: return EXIT_AUTH;
    case OTA_ERR_NO_BACKUP: return EXIT_NO_ROLLBACK;
    case OTA_ERR_DEFERRED:
    case OTA_ERR_LOW_BATTERY:
    case OTA_ERR_COST: return EXIT_DEFERRED;
    default: return EXIT_INTERNAL;
    }
}
