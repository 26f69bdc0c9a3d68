#include "ota/ota_err.h"

struct err_text {
    int code;
    const char *name;
    const char *text;
};

#define E(code, text) {code, #code, text}

static const struct err_text err_texts[] = {
    E(OTA_OK, "success"),
    E(OTA_ERR_IO, "storage operation failed"),
    E(OTA_ERR_NOT_FOUND, "file not found"),
    E(OTA_ERR_NO_SPACE, "no space left on storage"),
    E(OTA_ERR_NO_MEM, "buffer too small"),
    E(OTA_ERR_INVALID_ARG, "invalid argument"),
    E(OTA_ERR_CONFIG, "invalid configuration"),
    E(OTA_ERR_NETWORK, "network failure"),
    E(OTA_ERR_TIMEOUT, "network timeout"),
    E(OTA_ERR_HTTP_STATUS, "unexpected HTTP status"),
    E(OTA_ERR_UNAUTHORIZED, "unauthorized (HTTP 401): check the token"),
    E(OTA_ERR_HTTP_NOT_FOUND, "not found (HTTP 404)"),
    E(OTA_ERR_RATE_LIMITED, "rate limited by the server"),
    E(OTA_ERR_SERVER, "server error (HTTP 5xx)"),
    E(OTA_ERR_REDIRECTS, "too many or malformed redirects"),
    E(OTA_ERR_TRUNCATED, "download truncated"),
    E(OTA_ERR_JSON_SYNTAX, "malformed JSON"),
    E(OTA_ERR_JSON_DEPTH, "JSON nested too deeply"),
    E(OTA_ERR_JSON_UTF8, "invalid UTF-8 in JSON"),
    E(OTA_ERR_JSON_INCOMPLETE, "JSON document ended early"),
    E(OTA_ERR_BAD_RESPONSE, "unexpected response from the server"),
    E(OTA_ERR_TREE_TRUNCATED, "repository tree too large (truncated by the server)"),
    E(OTA_ERR_HASH_MISMATCH, "SHA mismatch: download corrupted"),
    E(OTA_ERR_SIZE_MISMATCH, "size mismatch: download corrupted"),
    E(OTA_ERR_TOO_LARGE, "too large"),
    E(OTA_ERR_UNSAFE_PATH, "unsafe path"),
    E(OTA_ERR_PATH_TOO_LONG, "path too long"),
    E(OTA_ERR_STATE, "device state file corrupt"),
    E(OTA_ERR_ABORTED, "aborted"),
    E(OTA_ERR_CRYPTO, "crypto failure"),
    E(OTA_ERR_UNSUPPORTED, "not supported by this port"),
    E(OTA_ERR_SIGNATURE, "signature verification failed"),
    E(OTA_ERR_NOT_CONFIRMED, "new version not confirmed within its trial boots: reverted"),
    E(OTA_ERR_NO_BACKUP, "no previous version kept to roll back to"),
    E(OTA_ERR_MANIFEST, "malformed release manifest"),
    E(OTA_ERR_EXPIRED, "release manifest has expired"),
    E(OTA_ERR_ROLLBACK, "release is older than the installed one (rollback refused)"),
    E(OTA_ERR_DUPLICATE, "duplicate or colliding path in the manifest"),
    E(OTA_ERR_DELTA, "malformed delta"),
    E(OTA_ERR_DEFERRED, "deferred by the update schedule"),
    E(OTA_ERR_LOW_BATTERY, "battery too low to update"),
    E(OTA_ERR_COST, "estimated download cost above the ceiling"),
    E(OTA_ERR_NO_LINK, "no network transport available"),
};

static const struct err_text *find(int err)
{
    unsigned i;

    for (i = 0; i < sizeof err_texts / sizeof err_texts[0]; i++)
        if (err_texts[i].code == err)
            return &err_texts[i];
    return 0;
}

const char *ota_strerror(int err)
{
    const struct err_text *e = find(err);

    return e ? e->text : "unknown error";
}

const char *ota_err_name(int err)
{
    const struct err_text *e = find(err);

    return e ? e->name : "OTA_ERR_UNKNOWN";
}
