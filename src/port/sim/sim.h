/* The simulated device: a flash filesystem that can lose power at any single
 * mutation, a network that serves canned responses from memory, the core's
 * own hashes, and a fake clock. Everything lives in caller-provided memory
 * (struct sim plus a data arena); nothing is allocated, nothing is global.
 * The crash model is described in docs/crash-model.md.
 *
 *   static struct sim sim;
 *   static uint8_t arena[4 << 20];
 *   static char text[256 << 10];
 *   struct ota_port port;
 *   sim_init(&sim, arena, sizeof arena, text, sizeof text, &port);
 *   sim_fs_cut(&sim.fs, 17);    // mutation 17 and all later ones fail
 *   ota_update(&ctx, &res);     // fails: the power went out
 *   sim_fs_reboot(&sim.fs, 3);  // unsynced data and entries are decided
 *   ota_boot(&ctx);             // recovery
 */
#ifndef OTA_SIM_H
#define OTA_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "ota/ota_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- filesystem ------------------------------------------------------------ */

#define SIM_NAME_MAX 64    /* longest path component, including the NUL */
#define SIM_NODES 512      /* files and directories, the root included */
#define SIM_ENTRIES 1024   /* directory entries per namespace */
#define SIM_BUCKETS 1024   /* hash buckets per namespace (a power of two) */
#define SIM_LOG_MAX 4096   /* directory operations not yet durable */
#define SIM_HANDLES 16     /* files open at once */
#define SIM_NO_CUT (-1L)

/* A region of the data arena. */
struct sim_region {
    uint32_t off, len, cap;
};

struct sim_node {
    uint8_t used;
    uint8_t is_dir;
    uint8_t dur_shared; /* durable data = the first dur.len bytes of cur */
    uint8_t mark;
    struct sim_region cur; /* what reads see */
    struct sim_region dur; /* what survives for sure (own region unless shared) */
};

/* One directory entry: (parent node, name) -> child node. */
struct sim_entry {
    uint16_t parent;
    uint16_t child;   /* 0: free slot */
    int16_t next;     /* hash chain */
    uint16_t pad;
    uint32_t hash;
    char name[SIM_NAME_MAX];
};

/* A namespace: the live one (what the engine sees) or the durable one (what
 * is on flash for sure). */
struct sim_ns {
    struct sim_entry e[SIM_ENTRIES];
    int16_t bucket[SIM_BUCKETS];
    int16_t free_head;
    uint16_t count;
};

struct sim_key {
    uint16_t parent;
    uint16_t value;   /* the child the operation puts there, 0 = removes it */
    uint32_t hash;
    char name[SIM_NAME_MAX];
};

/* A directory operation not yet durable. A creation, mkdir or removal sets
 * one entry; a rename sets two (source removed, target replaced) and is
 * atomic: it survives a crash whole or not at all. It becomes durable once
 * every directory it touched has been synced after it. */
struct sim_op {
    uint8_t nkeys;
    uint8_t synced;   /* bit i: key i's directory synced since */
    uint8_t forced;
    uint8_t survive;  /* scratch of a reboot */
    struct sim_key key[2];
};

struct sim_handle {
    uint8_t used;
    uint8_t writing;
    uint16_t node;
    uint32_t pos;
};

/* Called for every mutation that passes the power check (index from 0
 * since the last sim_fs_cut); b is the rename target, handle/len for
 * writes and syncs. */
typedef void (*sim_trace_fn)(void *arg, uint32_t index, const char *op, const char *a,
                             const char *b, int handle, size_t len);

struct sim_fs {
    uint8_t *arena;
    sim_trace_fn trace;     /* optional; kept across sim_fs_load */
    void *trace_arg;
    uint32_t arena_size;
    uint32_t arena_top;
    /* power */
    long cut_before;        /* SIM_NO_CUT, or the mutation that fails first */
    uint32_t mutations;     /* mutations since the last sim_fs_cut */
    int power_lost;
    uint32_t cuts;          /* power cuts so far */
    /* contract checks: the engine's misuse of the port, not crash effects */
    uint32_t violations;
    char violation[160];    /* the first one */
    uint32_t log_flushes;   /* times a full log made its oldest operation
                               durable (kind to the engine: should stay 0) */
    uint32_t node_count;
    struct sim_handle handle[SIM_HANDLES];
    struct sim_node node[SIM_NODES];
    struct sim_ns live;
    struct sim_ns dur;
    uint64_t rng;           /* reboot decisions */
    /* the log goes last: sim_fs_save copies only the part in use */
    uint32_t nlog;
    struct sim_op log[SIM_LOG_MAX];
};

/* How a reboot decides what was not durable. */
enum sim_crash_mode {
    SIM_CRASH_LOSE_ALL = 0, /* every unsynced byte and entry is lost */
    SIM_CRASH_KEEP_ALL = 1  /* everything the engine did reached flash */
    /* any other seed: a seeded random choice per entry and per file */
};

/* Formats an empty filesystem (just the root) on arena. */
void sim_fs_init(struct sim_fs *fs, uint8_t *arena, size_t arena_size);

/* Arms a power cut: the mutation number cut_before (0-based, counted from
 * now) and all later ones fail with OTA_ERR_IO, and so does everything else
 * once the power is lost. SIM_NO_CUT disarms. Resets the counter. */
void sim_fs_cut(struct sim_fs *fs, long cut_before);

/* Mutations (write, sync, rename, remove, mkdir, sync_dir, open for writing)
 * since the last sim_fs_cut, the failed one included. */
uint32_t sim_fs_mutations(const struct sim_fs *fs);
int sim_fs_power_lost(const struct sim_fs *fs);

/* Power comes back: applies the crash to everything not durable (seed: see
 * enum sim_crash_mode), closes every handle and disarms the cut. Also fine
 * without a power cut: it then models one right now. */
void sim_fs_reboot(struct sim_fs *fs, uint64_t seed);

/* Directory operations and file contents not yet durable, counting only
 * those that can matter (in a directory the flash still reaches). */
uint32_t sim_fs_pending(struct sim_fs *fs);

/* Handles still open (the engine must close what it opens). */
uint32_t sim_fs_open_handles(const struct sim_fs *fs);

/* Saves the whole filesystem, pending state included, into buf: the bytes
 * used, or 0 when cap is too small. Load restores it exactly. */
size_t sim_fs_save(struct sim_fs *fs, void *buf, size_t cap);
int sim_fs_load(struct sim_fs *fs, const void *buf, size_t len);

/* Creates or replaces a file durably (test setup: parents must exist). */
int sim_fs_put(struct sim_fs *fs, const char *path, const void *data, size_t len);
/* Creates a directory durably. */
int sim_fs_put_dir(struct sim_fs *fs, const char *path);

/* The filesystem as port operations (user = the struct sim_fs). */
void sim_fs_ops(struct ota_fs_ops *ops);

/* ---- network --------------------------------------------------------------- */

#define SIM_HTTP_MAX 2048

struct sim_response {
    const char *url;
    int status;
    const char *etag;     /* NULL: none; If-None-Match equal to it gets 304 */
    const uint8_t *body;  /* borrowed */
    size_t len;
};

struct sim_http {
    struct sim_response r[SIM_HTTP_MAX];
    size_t count;
    char *text;           /* caller's arena for URLs and generated bodies */
    size_t text_cap, text_len;
    size_t chunk;         /* body pushed in chunks of this size (default 1000) */
    uint32_t requests;
    int down;             /* 1: every request fails with OTA_ERR_NETWORK */
    uint32_t stall_ms;    /* a stalled link: this long before the response
                             and before every chunk (the clock advances) */
    uint32_t wait_step_ms; /* on_wait every this long of a stall (500) */
    size_t drop_after;    /* the link drops after this many body bytes ... */
    uint32_t drops;       /* ... in this many responses (then heals) */
    uint32_t ranged;      /* requests that asked for a Range */
    int no_ranges;        /* 1: Range is ignored (200 with the whole body) */
};

void sim_http_init(struct sim_http *h, char *text, size_t text_cap);
/* Adds or replaces the answer to url (copied into the text arena; the body
 * is borrowed). */
int sim_http_put(struct sim_http *h, const char *url, int status, const char *etag,
                 const void *body, size_t len);
/* Copies n bytes of s into the text arena (NUL-terminated); NULL when full. */
char *sim_http_keep(struct sim_http *h, const char *s, size_t n);

/* The network as port operations (user = the struct sim). */
void sim_http_ops(struct ota_http_ops *ops);

/* A repository on the GitHub imitation: publishing a version adds the
 * recursive tree (git order, real git blob SHA-1s), the raw files and moves
 * commits/{ref} to it. */
struct sim_file {
    const char *path;
    const void *data;     /* borrowed: must outlive the responses */
    size_t size;
};

struct sim_repo {
    const char *api_url;  /* e.g. "http://api.sim" */
    const char *raw_url;  /* e.g. "http://raw.sim" */
    const char *owner;
    const char *name;
};

#define SIM_REPO_MAX_FILES 512

/* Publishes files (any order, at most SIM_REPO_MAX_FILES) as the commit ref
 * points to; label makes commits of the same tree differ. */
int sim_repo_publish(struct sim_http *h, const struct sim_repo *repo, const char *ref,
                     const char *label, const struct sim_file *files, size_t n,
                     char commit[41]);

/* The git blob SHA-1 of data, as 40 hex digits. */
void sim_blob_sha1(const void *data, size_t len, char hex[41]);

/* ---- hardware: watchdog, LED, battery, free space ---------------------------- */

#define SIM_LED_LOG 256

struct sim_led_change {
    uint64_t at_ms;       /* sim clock */
    int on;
};

struct sim_hw {
    int watchdog_armed;
    uint32_t watchdog_timeout_ms;
    uint64_t last_feed_ms;
    uint64_t max_gap_ms;  /* longest time between arming/feeds seen */
    uint32_t feeds;
    int watchdog_fired;   /* a gap exceeded the timeout: the device reset */
    struct sim_led_change led[SIM_LED_LOG];
    size_t led_changes;   /* may exceed SIM_LED_LOG: the rest is not kept */
    struct ota_battery battery; /* what hw.battery reports (-1: unknown) */
    uint64_t free_storage; /* what hw.free_storage reports */
};

struct sim;
/* The gap since the last feed as if the watchdog looked now. */
uint64_t sim_watchdog_gap_now(const struct sim *sim);
/* Resets the hardware (nothing armed, battery unknown, storage unlimited)
 * and fills ops. */
void sim_hw_init(struct sim *sim, struct ota_hw_ops *ops);

/* ---- the whole device ------------------------------------------------------ */

typedef void (*sim_log_fn)(void *arg, enum ota_log_level level, const char *msg);

struct sim {
    struct sim_fs fs;
    struct sim_http http;
    struct sim_hw hw;
    uint64_t clock_ms;    /* fake wall clock, advanced by sleep_ms */
    uint64_t rng;         /* sys.random */
    sim_log_fn log_fn;    /* optional */
    void *log_arg;
};

/* Formats the filesystem, empties the network and fills port (user = sim).
 * The hardware operations are all there; a test takes away what its device
 * lacks (port->hw.led = NULL...). */
void sim_init(struct sim *sim, uint8_t *arena, size_t arena_size, char *text,
              size_t text_cap, struct ota_port *port);

#ifdef __cplusplus
}
#endif
#endif
