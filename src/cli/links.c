#include "links.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jsonw.h"

/* ---- the system's network -------------------------------------------------- */

/* <sysfs_root>/<path>, the kernel's files as the hardware port reads them. */
static void kernel_path(const struct cli *cli, char *out, size_t cap, const char *path)
{
    const char *root = cli->cfg.posix.sysfs_root;

    snprintf(out, cap, "%s%s", root && root[0] && strcmp(root, "/") != 0 ? root : "", path);
}

static int read_line(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    int ok = f && fgets(buf, (int)cap, f);

    if (f)
        fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* Up unless the kernel says the interface is down (no interface
 * configured: the system routes, and curl finds out). */
static int net_up(void *user)
{
    struct cli_links *l = user;
    const char *ifname = l->cli->cfg.posix.interface;
    char path[4200], rel[300], state[32];

    if (!ifname || !ifname[0])
        return OTA_OK;
    snprintf(rel, sizeof rel, "/sys/class/net/%s/operstate", ifname);
    kernel_path(l->cli, path, sizeof path, rel);
    if (read_line(path, state, sizeof state) != 0) {
        snprintf(l->reason, sizeof l->reason, "%s: no such network interface", ifname);
        return OTA_ERR_NO_LINK;
    }
    if (strcmp(state, "up") != 0 && strcmp(state, "unknown") != 0) {
        snprintf(l->reason, sizeof l->reason, "%s is %s", ifname, state);
        return OTA_ERR_NO_LINK;
    }
    return OTA_OK;
}

static void net_down(void *user)
{
    (void)user; /* the system's network is the system's */
}

static int net_get(void *user, const struct ota_http_request *req,
                   const struct ota_http_sink *sink)
{
    struct cli_links *l = user;

    return l->cli->port.http.get(l->cli->port.user, req, sink);
}

/* The signal level of a wireless interface, from /proc/net/wireless. */
static int net_signal(void *user, int32_t *dbm)
{
    struct cli_links *l = user;
    const char *ifname = l->cli->cfg.posix.interface;
    char path[4200], line[256], name[64];
    double link, level;
    int found = 0;
    FILE *f;

    if (!ifname || !ifname[0])
        return OTA_ERR_UNSUPPORTED;
    kernel_path(l->cli, path, sizeof path, "/proc/net/wireless");
    if (!(f = fopen(path, "r")))
        return OTA_ERR_UNSUPPORTED;
    while (!found && fgets(line, sizeof line, f))
        found = sscanf(line, " %63[^:]: %*s %lf %lf", name, &link, &level) == 3 &&
                strcmp(name, ifname) == 0;
    fclose(f);
    if (!found)
        return OTA_ERR_UNSUPPORTED;
    *dbm = (int32_t)level;
    return OTA_OK;
}

static const char *why(void *user)
{
    const struct cli_links *l = user;

    return l->reason;
}

/* ---- the cellular modem ------------------------------------------------------ */

static int cell_up(void *user)
{
    struct cli_links *l = user;
    const struct config_cellular *c = &l->cli->cfg.cellular;
    struct ota_modem_config mc;
    enum ota_modem_dialect dialect = OTA_MODEM_SIM7600;
    int err;

    memset(&mc, 0, sizeof mc);
    if (c->modem && ota_modem_dialect_parse(c->modem, &dialect) != OTA_OK) {
        snprintf(l->reason, sizeof l->reason, "cellular_modem \"%s\" is not known", c->modem);
        return OTA_ERR_CONFIG;
    }
    mc.dialect = dialect;
    err = ota_modem_serial_open(&l->serial, c->device, c->baud ? c->baud : 115200, &mc.serial);
    if (err != OTA_OK) {
        snprintf(l->reason, sizeof l->reason, "cannot open the modem at %s", c->device);
        return err;
    }
    l->serial_open = 1;
    err = ota_modem_init(&l->modem, &mc);
    if (err == OTA_OK)
        err = ota_modem_up(&l->modem, c->apn ? c->apn : "");
    if (err != OTA_OK) {
        snprintf(l->reason, sizeof l->reason, "%s", ota_modem_reason(&l->modem));
        ota_modem_serial_close(&l->serial);
        l->serial_open = 0;
    }
    return err;
}

static void cell_down(void *user)
{
    struct cli_links *l = user;

    if (!l->serial_open)
        return;
    (void)ota_modem_down(&l->modem);
    ota_modem_serial_close(&l->serial);
    l->serial_open = 0;
}

static int cell_get(void *user, const struct ota_http_request *req,
                    const struct ota_http_sink *sink)
{
    struct cli_links *l = user;

    return ota_modem_get(&l->modem, req, sink);
}

static int cell_signal(void *user, int32_t *dbm)
{
    struct cli_links *l = user;
    int v, err = ota_modem_signal(&l->modem, &v);

    if (err == OTA_OK && v == OTA_MODEM_DBM_UNKNOWN)
        err = OTA_ERR_UNSUPPORTED;
    if (err == OTA_OK)
        *dbm = v;
    return err;
}

/* Typical throughput of the access technologies cellular_tech names. */
static uint32_t tech_kbps(const char *tech)
{
    static const struct {
        const char *name;
        uint32_t kbps;
    } techs[] = {{"nbiot", 60}, {"nb-iot", 60}, {"ltem", 375}, {"lte-m", 375},
                 {"catm", 375}, {"2g", 85},     {"gprs", 85},  {"edge", 200},
                 {"3g", 2000},  {"4g", 10000},  {"lte", 10000}};
    size_t i;

    for (i = 0; tech && i < sizeof techs / sizeof techs[0]; i++)
        if (strcmp(tech, techs[i].name) == 0)
            return techs[i].kbps;
    return 0;
}

int cli_links_open(struct cli_links *l, struct cli *cli)
{
    const struct config_cellular *c = &cli->cfg.cellular;
    struct ota_link *net = &l->link[0], *cell = &l->link[1];

    memset(l, 0, sizeof *l);
    l->cli = cli;
    if (!c->device || !c->device[0]) {
        snprintf(l->reason, sizeof l->reason, "cellular_enabled needs cellular_device");
        return OTA_ERR_CONFIG;
    }
    net->name = cli->cfg.posix.interface && cli->cfg.posix.interface[0]
                    ? cli->cfg.posix.interface : "network";
    net->up = net_up;
    net->down = net_down;
    net->get = net_get;
    net->signal = net_signal;
    net->why = why;
    net->user = l;
    cell->name = "cellular";
    cell->up = cell_up;
    cell->down = cell_down;
    cell->get = cell_get;
    cell->signal = cell_signal;
    cell->why = why;
    cell->kbps = tech_kbps(c->tech);
    cell->metered = 1;
    cell->cost_milli_per_mb = c->cost_milli_per_mb;
    cell->user = l;
    if (ota_links_init(&l->manager, l->link, 2) != OTA_OK)
        return OTA_ERR_CONFIG;
    ota_set_links(&cli->ctx, &l->manager);
    return OTA_OK;
}

void report_link_json(struct cli *cli, struct jsonw *w)
{
    const struct ota_links *m = &cli->links.manager;
    const struct ota_link *l;

    if (!cli->links.cli || m->used >= m->count)
        return;
    l = &m->link[m->used];
    jsonw_open(w, "link", '{');
    jsonw_str(w, "name", l->name);
    if (m->used_signal_dbm != INT32_MIN)
        jsonw_int(w, "signal_dbm", m->used_signal_dbm);
    else
        jsonw_str(w, "signal_dbm", NULL);
    jsonw_bool(w, "metered", l->metered);
    jsonw_u64(w, "bytes", m->bytes[m->used]);
    jsonw_close(w, '}');
}

void cli_links_close(struct cli_links *l)
{
    if (l->cli)
        ota_links_disconnect(&l->manager);
}
