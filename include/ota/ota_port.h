/* ota — the platform interface.
 *
 * The engine never touches the OS: everything it needs from the platform comes
 * through this struct of function pointers, filled in by a port (POSIX, the
 * test simulator, or an integrator's microcontroller port). Every function
 * receives the port's `user` pointer first and returns 0 or a negative
 * `enum ota_err`. Paths are always relative to the device root ("lib/x.py");
 * the port decides where that root is. */
#ifndef OTA_PORT_H
#define OTA_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- filesystem ---------------------------------------------------------- */

enum ota_open_mode {
    OTA_OPEN_READ = 0,   /* existing file, read only */
    OTA_OPEN_WRITE = 1   /* create or truncate, write only */
};

struct ota_stat {
    uint64_t size;
    int is_dir;
};

/* Called once per directory entry by list(); return non-zero to stop. */
typedef int (*ota_list_cb)(void *arg, const char *name, int is_dir);

struct ota_fs_ops {
    /* Returns a handle >= 0, or a negative error (OTA_ERR_NOT_FOUND...). */
    int (*open)(void *user, const char *path, enum ota_open_mode mode);
    /* Returns bytes read (0 at end of file) or a negative error. */
    long (*read)(void *user, int handle, void *buf, size_t len);
    /* Writes all of buf or fails. */
    int (*write)(void *user, int handle, const void *buf, size_t len);
    /* Positions the next read at offset (random access for deltas). */
    int (*seek)(void *user, int handle, uint64_t offset);
    /* Makes the file's data durable. */
    int (*sync)(void *user, int handle);
    int (*close)(void *user, int handle);
    /* Atomically replaces `to` (a file) with `from`. */
    int (*rename)(void *user, const char *from, const char *to);
    /* Removes a file or an empty directory; OTA_ERR_NOT_FOUND if absent. */
    int (*remove)(void *user, const char *path);
    /* Creates one directory level; 0 if it already exists. */
    int (*mkdir)(void *user, const char *path);
    int (*stat)(void *user, const char *path, struct ota_stat *st);
    /* Makes the directory's entries (creations, renames, removals) durable.
     * "" is the device root. */
    int (*sync_dir)(void *user, const char *path);
    /* Lists a directory's entries, without "." and "..". */
    int (*list)(void *user, const char *path, ota_list_cb cb, void *arg);
};

/* ---- HTTP ---------------------------------------------------------------- */

struct ota_http_request {
    const char *url;              /* absolute http:// or https:// URL */
    const char *const *headers;   /* "Name: value" lines */
    size_t header_count;
    uint64_t range_start;         /* > 0: ask for bytes range_start- */
};

/* The port pushes the response into these, in order: status once, each
 * header, then the body in chunks of any size. Any callback may return a
 * negative error to abort the transfer; the port then returns that error. */
struct ota_http_sink {
    int (*on_status)(void *arg, int status);
    int (*on_header)(void *arg, const char *name, size_t name_len,
                     const char *value, size_t value_len);
    int (*on_body)(void *arg, const uint8_t *data, size_t len);
    void *arg;
    /* Called by the port at least once a second while the transfer waits
     * (connecting, a stalled link), so that the engine keeps feeding the
     * watchdog; may be NULL. */
    void (*on_wait)(void *arg);
};

struct ota_http_ops {
    /* Performs one GET without following redirects (the engine handles them,
     * so credentials never follow a redirect to another host). Returns 0 when
     * a complete response arrived, whatever its status; OTA_ERR_NETWORK,
     * OTA_ERR_TIMEOUT or OTA_ERR_TRUNCATED when the transfer failed. Ports
     * should reuse connections between calls. */
    int (*get)(void *user, const struct ota_http_request *req,
               const struct ota_http_sink *sink);
};

/* ---- crypto -------------------------------------------------------------- */

enum ota_hash_alg { OTA_HASH_SHA1 = 1, OTA_HASH_SHA256 = 2 };

/* Hash state lives in engine memory; a port's state must fit in this. */
#define OTA_HASH_STATE_SIZE 128

enum ota_sig_alg { OTA_SIG_ED25519 = 1 };

/* Signature verification state lives in engine memory too. It is sized for a
 * port that streams: pure Ed25519 verification hashes SHA-512(R || A || M),
 * so a microcontroller port keeps a SHA-512 context (about 216 bytes) and the
 * 96 bytes of key and signature here. A port that accumulates the message
 * keeps just a pointer. */
#define OTA_VERIFY_STATE_SIZE 320

struct ota_crypto_ops {
    int (*hash_begin)(void *user, enum ota_hash_alg alg, void *state);
    int (*hash_update)(void *user, void *state, const void *data, size_t len);
    /* Writes the digest (20 or 32 bytes) when out is not NULL; always
     * releases whatever hash_begin acquired. */
    int (*hash_end)(void *user, void *state, uint8_t *out);

    /* Streaming signature verification (optional: a port without it leaves
     * all three NULL and the engine reports OTA_ERR_UNSUPPORTED). Ed25519:
     * public_key is 32 bytes, signature 64; the port copies what it needs,
     * the pointers are valid during the call only. After verify_begin
     * succeeds the engine calls verify_end exactly once, even when an update
     * failed. A port may limit the message length (OTA_ERR_TOO_LARGE). */
    int (*verify_begin)(void *user, enum ota_sig_alg alg,
                        const uint8_t *public_key, size_t key_len,
                        const uint8_t *signature, size_t sig_len, void *state);
    int (*verify_update)(void *user, void *state, const void *data, size_t len);
    /* 0 when the signature is valid for the message streamed, else
     * OTA_ERR_SIGNATURE (or the error an update hit); always releases
     * whatever verify_begin acquired. */
    int (*verify_end)(void *user, void *state);
};

/* ---- clock, hardware and log -------------------------------------------- */

enum ota_log_level { OTA_LOG_ERROR, OTA_LOG_WARN, OTA_LOG_INFO, OTA_LOG_DEBUG };

struct ota_sys_ops {
    /* Wall-clock seconds since the Unix epoch (0 if unknown). */
    int64_t (*time_now)(void *user);
    /* Sleeps; a port with a watchdog keeps feeding it meanwhile. */
    void (*sleep_ms)(void *user, uint32_t ms);
    /* A random 32-bit value, for backoff jitter. */
    uint32_t (*random)(void *user);
    /* Receives one finished log line (no newline); may be NULL. */
    void (*log)(void *user, enum ota_log_level level, const char *msg);
    /* Monotonic milliseconds (may wrap), for LED timing and watchdog
     * accounting; may be NULL. */
    uint32_t (*millis)(void *user);
};

/* ---- hardware: watchdog, status LED, battery, resources ------------------ */

/* What the platform knows of its power supply; -1 = unknown. */
struct ota_battery {
    int32_t adc_mv;         /* voltage at the ADC pin, before the divider */
    int32_t percent;        /* charge the platform measures itself (0-100) */
    int32_t external_power; /* 1: mains, USB or charger present; 0: battery */
};

/* Every member may be NULL: the device has no such part. */
struct ota_hw_ops {
    /* Arms the watchdog: unless fed within timeout_ms, the device resets. */
    int (*watchdog_start)(void *user, uint32_t timeout_ms);
    void (*watchdog_feed)(void *user);
    /* Disarms it where the hardware allows (Linux: the magic close). */
    void (*watchdog_stop)(void *user);
    /* The status LED: 1 on, 0 off. */
    void (*led)(void *user, int on);
    int (*battery)(void *user, struct ota_battery *out);
    /* Free bytes of storage under the device root, and of RAM. */
    int (*free_storage)(void *user, uint64_t *bytes);
    int (*free_memory)(void *user, uint64_t *bytes);
};

struct ota_port {
    struct ota_fs_ops fs;
    struct ota_http_ops http;
    struct ota_crypto_ops crypto;
    struct ota_sys_ops sys;
    struct ota_hw_ops hw;
    void *user;
};

#ifdef __cplusplus
}
#endif
#endif
