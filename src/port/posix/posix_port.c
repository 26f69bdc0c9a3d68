/* POSIX port: initialisation. Binds the fs, http, crypto and sys operations
 * (defined in posix_fs.c, posix_http.c, posix_crypto.c, posix_sys.c) and the
 * hardware parts the options configure (posix_hw.c) to one struct
 * ota_posix. */
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ota_posix.h"
#include "posix_hw.h"

#define DEFAULT_CONNECT_TIMEOUT_SEC 20L
#define DEFAULT_HTTP_TIMEOUT_SEC 20L

extern const struct ota_fs_ops ota_posix__fs_ops;
extern const struct ota_http_ops ota_posix__http_ops;
extern const struct ota_crypto_ops ota_posix__crypto_ops;
extern const struct ota_sys_ops ota_posix__sys_ops;
int ota_posix__http_setup(struct ota_posix *p);

int ota_posix_init(struct ota_posix *p, const struct ota_posix_options *opt,
                   struct ota_port *port)
{
    static const struct ota_posix_options defaults;
    const char *root;
    size_t len;
    int err, i;

    if (!p || !port)
        return OTA_ERR_INVALID_ARG;
    memset(p, 0, sizeof *p);
    p->random_fd = -1;
    for (i = 0; i < OTA_POSIX_MAX_FILES; i++)
        p->fds[i] = -1;
    p->opt = opt ? *opt : defaults;

    root = p->opt.root && p->opt.root[0] ? p->opt.root : ".";
    len = strlen(root);
    if (len >= sizeof p->root)
        return OTA_ERR_PATH_TOO_LONG;
    memcpy(p->root, root, len + 1);
    /* "dir/" and "dir" are the same root; "/" stays "/". */
    while (len > 1 && p->root[len - 1] == '/')
        p->root[--len] = '\0';
    p->opt.root = p->root; /* never points into the caller's memory */

    if (p->opt.connect_timeout_sec <= 0)
        p->opt.connect_timeout_sec = DEFAULT_CONNECT_TIMEOUT_SEC;
    if (p->opt.http_timeout_sec <= 0)
        p->opt.http_timeout_sec = DEFAULT_HTTP_TIMEOUT_SEC;
    if ((int)p->opt.log_level < (int)OTA_LOG_ERROR)
        p->opt.log_level = OTA_LOG_ERROR;
    memset(port, 0, sizeof *port);
    if ((err = ota_posix__hw_bind(p, &port->hw)) < 0)
        return err;

    /* Reference counted by libcurl: balanced by ota_posix_deinit. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return OTA_ERR_NETWORK;
    p->curl = curl_easy_init();
    if (!p->curl) {
        curl_global_cleanup();
        return OTA_ERR_NO_MEM;
    }
    if ((err = ota_posix__http_setup(p)) < 0) {
        curl_easy_cleanup(p->curl);
        p->curl = NULL;
        curl_global_cleanup();
        return err;
    }

    port->fs = ota_posix__fs_ops;
    port->http = ota_posix__http_ops;
    port->crypto = ota_posix__crypto_ops;
    port->sys = ota_posix__sys_ops;
    port->user = p;
    return 0;
}

void ota_posix_deinit(struct ota_posix *p)
{
    int i;

    if (!p || !p->curl) /* never initialised, or already released */
        return;
    ota_posix__hw_release(p);
    for (i = 0; i < OTA_POSIX_MAX_FILES; i++) { /* files the engine left open */
        if (p->fds[i] >= 0)
            close(p->fds[i]);
        p->fds[i] = -1;
    }
    curl_easy_cleanup(p->curl);
    p->curl = NULL;
    curl_global_cleanup();
    if (p->random_fd >= 0) {
        close(p->random_fd);
        p->random_fd = -1;
    }
}
