/* ota — network links and the connectivity manager.
 *
 * A device may reach the network several ways: WiFi, a cellular modem, a
 * LoRa radio. Each is a struct ota_link the integrator fills in (the Linux
 * CLI: the kernel's interface, the AT-command modem driver). The manager
 * (struct ota_links, caller memory) carries the engine's HTTP requests over
 * the first link, in priority order, that comes up; when a transfer breaks
 * on it, it is taken down and the engine's retry goes out on the next one,
 * resuming the file with a Range request. Links that cannot carry HTTP
 * (LoRa) only wake the device up: see docs/lora.md.
 *
 *   static struct ota_links links;
 *   static const struct ota_link mine[] = {wifi, cellular};
 *   ota_links_init(&links, mine, 2);
 *   ota_set_links(&ctx, &links);     // after ota_init
 */
#ifndef OTA_LINK_H
#define OTA_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OTA_LINKS_MAX 4
#define OTA_SLOW_LINK_KBPS 256u /* below this a link is "slow": deltas first */
#define OTA_LINK_REASON_MAX 160

struct ota_link {
    const char *name;   /* "wifi", "cellular", "lora": for logs and status */
    /* Brings the link up (associate, register, attach); 0 or an error. */
    int (*up)(void *user);
    void (*down)(void *user);
    /* One GET, the contract of ota_http_ops.get; NULL: no HTTP (LoRa). */
    int (*get)(void *user, const struct ota_http_request *req,
               const struct ota_http_sink *sink);
    /* Signal strength in dBm (RSSI); optional. */
    int (*signal)(void *user, int32_t *dbm);
    /* Why up() failed, in a few words ("SIM not inserted"); optional. */
    const char *(*why)(void *user);
    uint32_t kbps;              /* typical bandwidth; 0 = unknown (fast) */
    int metered;                /* every byte costs */
    uint32_t cost_milli_per_mb; /* thousandths of a currency unit per MB */
    void *user;
};

struct ota_links {
    const struct ota_link *link;
    size_t count;
    size_t active;       /* the link carrying requests; count = none up */
    uint32_t failed;     /* bit i: link i did not come up in this call */
    uint32_t broke;      /* bit i: a transfer broke on link i; it is tried
                            again only after every other link */
    int32_t signal_dbm;  /* of the active link when it was brought up;
                            INT32_MIN = unknown */
    uint64_t bytes[OTA_LINKS_MAX]; /* body bytes carried per link */
    int last_err;        /* why the last link failed to come up ... */
    char reason[OTA_LINK_REASON_MAX]; /* ... in words: "cellular: ..." */
    size_t used;         /* the last link brought up in this call (count:
                            none); kept after disconnecting, for reports */
    int32_t used_signal_dbm; /* its signal then (INT32_MIN: unknown) */
};

/* Takes up to OTA_LINKS_MAX links in priority order; nothing is brought up
 * yet. OTA_ERR_INVALID_ARG for none or too many. */
int ota_links_init(struct ota_links *m, const struct ota_link *links, size_t count);

/* Starts over from the first link: every failure forgotten (the engine
 * does this at the start of each public call, so WiFi that came back is
 * preferred again). Takes the active link down. */
void ota_links_reset(struct ota_links *m);

/* Brings up the first link, in priority order, that can carry HTTP and has
 * not failed in this call (a link a transfer broke on comes again only when
 * no other will); 0, or OTA_ERR_NO_LINK when none comes up. */
int ota_links_connect(struct ota_links *m);

/* The active link, or NULL when none is up. */
const struct ota_link *ota_links_active(const struct ota_links *m);

/* An ota_http_ops.get (user: the struct ota_links) over the active link,
 * connecting first when needed. A transfer that breaks (network, timeout,
 * truncated) takes its link down and marks it failed: the caller's retry
 * goes out on the next link. */
int ota_links_get(void *user, const struct ota_http_request *req,
                  const struct ota_http_sink *sink);

/* Takes the active link down. */
void ota_links_disconnect(struct ota_links *m);

#ifdef __cplusplus
}
#endif
#endif
