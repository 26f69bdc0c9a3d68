/* The POSIX port: device files under a root directory, HTTP(S) through
 * libcurl (one easy handle, so connections are reused), hashes through
 * OpenSSL libcrypto, and the system clock. */
#ifndef OTA_POSIX_H
#define OTA_POSIX_H

#include "ota/ota_port.h"

typedef void (*ota_posix_log_fn)(void *arg, enum ota_log_level level,
                                 const char *msg);

struct ota_posix_options {
    const char *root;            /* device root directory; NULL = "." */
    long connect_timeout_sec;    /* 0 = default 20 */
    long http_timeout_sec;       /* a transfer making no progress for this
                                    long fails with OTA_ERR_TIMEOUT; 0 = 20 */
    const char *interface;       /* bind HTTP to this interface (optional) */
    const char *ca_file;         /* extra CA bundle (optional) */
    enum ota_log_level log_level; /* lines above this level are dropped */
    ota_posix_log_fn log_fn;     /* NULL = "ota: level: msg" on stderr */
    void *log_arg;
};

struct ota_posix {
    struct ota_posix_options opt;
    char root[4096];
    void *curl;                  /* CURL * */
    int callback_err;            /* error a sink callback aborted with */
    int random_fd;
};

/* Fills *port with this platform's functions bound to *p. */
int ota_posix_init(struct ota_posix *p, const struct ota_posix_options *opt,
                   struct ota_port *port);
void ota_posix_deinit(struct ota_posix *p);

#endif
