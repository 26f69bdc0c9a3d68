/* What the command tells its user: a progress bar on a terminal, plain
 * lines otherwise, or one JSON object with --json. */
#ifndef OTA_CLI_REPORT_H
#define OTA_CLI_REPORT_H

#include "cli.h"
#include "jsonw.h"

/* Engine event callback; arg is the struct cli. */
void report_event(void *arg, const struct ota_event *ev);

/* Writes the JSON members common to every command's output: "command",
 * "status", "warnings", and "error" when err is not 0. */
void report_json_head(struct cli *cli, struct jsonw *w, const char *command,
                      const char *status, int err, const char *reason);

/* Human-readable failure on stderr. */
void report_error(struct cli *cli, const char *command, int err, const char *reason);

/* Config warnings on stderr (not in quiet mode). */
void report_warnings(struct cli *cli);

/* A line on stdout unless --quiet or --json. */
void report_line(struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "12.3 KiB" */
const char *human_bytes(uint64_t n, char *buf, size_t cap);

#endif
