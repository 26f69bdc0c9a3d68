#include "ota/ota_err.h"

struct err_text {
    int code;
    const char *text;
};

static const struct err_text err_texts[] = {
    {OTA_OK, "success"},
    {OTA_ERR_IO, "storage operation failed"},
    {OTA_ERR_NOT_FOUND, "file not found"},
    {OTA_ERR_NO_SPACE, "no space left on storage"},
    {OTA_ERR_NO_MEM, "buffer too small"},
    {OTA_ERR_INVALID_ARG, "invalid argument"},
    {OTA_ERR_CONFIG, "invalid configuration"},
    {OTA_ERR_NETWORK, "network failure"},
    {OTA_ERR_TIMEOUT, "network timeout"},
    {OTA_ERR_HTTP_STATUS, "unexpected HTTP status"},
    {OTA_ERR_UNAUTHORIZED, "unauthorized (HTTP 401): check the token"},
    {OTA_ERR_HTTP_NOT_FOUND, "not found (HTTP 404)"},
    {OTA_ERR_RATE_LIMITED, "rate limited by the server"},
    {OTA_ERR_SERVER, "server error (HTTP 5xx)"},
    {OTA_ERR_REDIRECTS, "too many or malformed redirects"},
    {OTA_ERR_TRUNCATED, "download truncated"},
    {OTA_ERR_JSON_SYNTAX, "malformed JSON"},
    {OTA_ERR_JSON_DEPTH, "JSON nested too deeply"},
    {OTA_ERR_JSON_UTF8, "invalid UTF-8 in JSON"},
    {OTA_ERR_JSON_INCOMPLETE, "JSON document ended early"},
    {OTA_ERR_BAD_RESPONSE, "unexpected response from the server"},
    {OTA_ERR_TREE_TRUNCATED, "repository tree too large (truncated by the server)"},
    {OTA_ERR_HASH_MISMATCH, "SHA mismatch: download corrupted"},
    {OTA_ERR_SIZE_MISMATCH, "size mismatch: download corrupted"},
    {OTA_ERR_TOO_LARGE, "too large"},
    {OTA_ERR_UNSAFE_PATH, "unsafe path"},
    {OTA_ERR_PATH_TOO_LONG, "path too long"},
    {OTA_ERR_STATE, "device state file corrupt"},
    {OTA_ERR_ABORTED, "aborted"},
    {OTA_ERR_CRYPTO, "crypto failure"},
    {OTA_ERR_UNSUPPORTED, "not supported by this port"},
};

const char *ota_strerror(int err)
{
    unsigned i;

    for (i = 0; i < sizeof err_texts / sizeof err_texts[0]; i++)
        if (err_texts[i].code == err)
            return err_texts[i].text;
    return "unknown error";
}
