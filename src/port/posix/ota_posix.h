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
    const char *ca_file;         /* PEM CA bundle to verify servers with
                                    (optional; CURLOPT_CAINFO: it takes the
                                    place of libcurl's default bundle file,
                                    while libcurl's default CA directory, if
                                    it was built with one, stays in use) */
    enum ota_log_level log_level; /* lines above this level are dropped */
    ota_posix_log_fn log_fn;     /* NULL = "ota: level: msg" on stderr */
    void *log_arg;
};

/* Files open at once through one port (the engine needs two or three). */
#define OTA_POSIX_MAX_FILES 16

struct ota_posix {
    struct ota_posix_options opt;
    char root[4096];
    int fds[OTA_POSIX_MAX_FILES]; /* handle -> descriptor, -1 = free */
    void *curl;                  /* CURL * */
    int callback_err;            /* error a sink callback aborted with */
    int random_fd;
};

/* Fills *port with this platform's functions bound to *p. */
int ota_posix_init(struct ota_posix *p, const struct ota_posix_options *opt,
                   struct ota_port *port);
void ota_posix_deinit(struct ota_posix *p);

#endif
