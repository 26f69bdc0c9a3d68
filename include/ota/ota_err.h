/* ota — error codes shared by the engine, the ports and the command line.
 *
 * Every fallible call returns 0 (OTA_OK) or one of these negative codes, like
 * littlefs. Ports return them too, so a failure keeps its meaning on its way up. */
#ifndef OTA_ERR_H
#define OTA_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

enum ota_err {
    OTA_OK = 0,

    /* storage */
    OTA_ERR_IO = -1,            /* a filesystem operation failed */
    OTA_ERR_NOT_FOUND = -2,     /* file or directory does not exist */
    OTA_ERR_NO_SPACE = -3,      /* storage is full */
    OTA_ERR_NO_MEM = -4,        /* a caller-provided buffer is too small */
    OTA_ERR_INVALID_ARG = -5,   /* API misuse */
    OTA_ERR_CONFIG = -6,        /* configuration is invalid */

    /* network */
    OTA_ERR_NETWORK = -10,      /* connection failed or was reset */
    OTA_ERR_TIMEOUT = -11,      /* no progress within the timeout */
    OTA_ERR_HTTP_STATUS = -12,  /* an unexpected HTTP status */
    OTA_ERR_UNAUTHORIZED = -13, /* 401: token missing, wrong or expired */
    OTA_ERR_HTTP_NOT_FOUND = -14, /* 404: repository, ref or file not found (or private) */
    OTA_ERR_RATE_LIMITED = -15, /* 403/429 with the quota exhausted */
    OTA_ERR_SERVER = -16,       /* 5xx after every retry */
    OTA_ERR_REDIRECTS = -17,    /* too many or malformed redirects */
    OTA_ERR_TRUNCATED = -18,    /* body ended before its announced size */

    /* documents */
    OTA_ERR_JSON_SYNTAX = -20,  /* not valid JSON */
    OTA_ERR_JSON_DEPTH = -21,   /* nested deeper than the parser supports */
    OTA_ERR_JSON_UTF8 = -22,    /* string is not valid UTF-8 */
    OTA_ERR_JSON_INCOMPLETE = -23, /* document ended early */
    OTA_ERR_BAD_RESPONSE = -24, /* valid JSON, but not what the API promises */
    OTA_ERR_TREE_TRUNCATED = -25, /* GitHub truncated the tree listing */

    /* verification */
    OTA_ERR_HASH_MISMATCH = -30, /* content does not match its git blob SHA-1 */
    OTA_ERR_SIZE_MISMATCH = -31, /* content length differs from the announced size */
    OTA_ERR_TOO_LARGE = -32,     /* a file or field is larger than allowed */

    /* paths */
    OTA_ERR_UNSAFE_PATH = -40,  /* "..", absolute, backslash, NUL or empty segment */
    OTA_ERR_PATH_TOO_LONG = -41,

    /* engine */
    OTA_ERR_STATE = -50,        /* a state file on the device is corrupt */
    OTA_ERR_ABORTED = -51,      /* a callback asked to stop */
    OTA_ERR_CRYPTO = -52,       /* the crypto port failed */
    OTA_ERR_UNSUPPORTED = -53,  /* feature not provided by this port */
    OTA_ERR_SIGNATURE = -54,    /* signature verification failed */
    OTA_ERR_NOT_CONFIRMED = -55, /* a version on trial was not confirmed in time */
    OTA_ERR_NO_BACKUP = -56,    /* no previous version is kept to go back to */

    /* release manifests */
    OTA_ERR_MANIFEST = -60,     /* a member is missing, of the wrong type or out of range */
    OTA_ERR_EXPIRED = -61,      /* past the manifest's "expires" time */
    OTA_ERR_ROLLBACK = -62,     /* "sequence" lower than the installed release's */
    OTA_ERR_DUPLICATE = -63,    /* a path or member twice, or paths that collide */

    /* deltas */
    OTA_ERR_DELTA = -70,        /* a malformed delta, or one for other sources */

    /* headless operation, scheduling and connectivity */
    OTA_ERR_DEFERRED = -80,     /* not now: update window, interval, crashes, canary */
    OTA_ERR_LOW_BATTERY = -81,  /* battery below min_battery_percent */
    OTA_ERR_COST = -82,         /* the estimated cost exceeds the ceiling */
    OTA_ERR_NO_LINK = -83       /* no transport could be brought up */
};

/* A short, static, human-readable description of an error code. */
const char *ota_strerror(int err);

/* The code's identifier, e.g. "OTA_ERR_HASH_MISMATCH", for machine-readable
 * output. */
const char *ota_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif
