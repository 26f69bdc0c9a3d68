/* The links `ota` updates over on Linux when cellular_enabled is set: the
 * system's own network first (bound to `interface` when configured, its
 * state and signal read from the kernel), then the AT-command modem on a
 * serial line (docs/modems.md), metered at cellular_cost_per_mb. Without
 * cellular, no manager: requests go straight through libcurl. */
#ifndef OTA_CLI_LINKS_H
#define OTA_CLI_LINKS_H

#include "ota/ota_link.h"
#include "ota_modem.h"
#include "modem_serial_posix.h"

struct cli;

struct cli_links {
    struct ota_link link[2];
    struct ota_links manager;
    struct cli *cli;
    struct ota_modem modem;
    struct ota_modem_serial_posix serial;
    int serial_open;
    char reason[256];            /* why the last link did not come up */
};

/* Sets up the links and gives them to the engine (cli->ctx must be
 * initialised); 0, or an ota_err with links->reason for a bad setting. */
int cli_links_open(struct cli_links *links, struct cli *cli);
void cli_links_close(struct cli_links *links);

struct jsonw;
/* "link": {"name", "signal_dbm", "metered", "bytes"}: the link that carried
 * the call's requests (nothing without links, or when none came up). */
void report_link_json(struct cli *cli, struct jsonw *w);

#endif
