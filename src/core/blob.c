#include "blob.h"

#include "hex.h"
#include "strbuf.h"

int ota_blob_begin(struct ota_ctx *ctx, uint64_t size)
{
    const struct ota_port *port = ctx->port;
    char header[32];
    struct ota_strbuf sb;
    int err;

    ota_sb_init(&sb, header, sizeof header);
    ota_sb_add(&sb, "blob ");
    ota_sb_add_u64(&sb, size);
    err = port->crypto.hash_begin(port->user, OTA_HASH_SHA1, ctx->hash.bytes);
    if (err != OTA_OK)
        return err;
    /* the header's NUL terminator is part of what git hashes */
    err = port->crypto.hash_update(port->user, ctx->hash.bytes, header, sb.len + 1);
    if (err != OTA_OK)
        ota_blob_abort(ctx);
    return err;
}

int ota_blob_update(struct ota_ctx *ctx, const void *data, size_t len)
{
    const struct ota_port *port = ctx->port;

    return port->crypto.hash_update(port->user, ctx->hash.bytes, data, len);
}

int ota_blob_end(struct ota_ctx *ctx, char *hex)
{
    const struct ota_port *port = ctx->port;
    uint8_t digest[20];
    int err = port->crypto.hash_end(port->user, ctx->hash.bytes, digest);

    if (err == OTA_OK)
        ota_hex_encode(digest, sizeof digest, hex);
    return err;
}

void ota_blob_abort(struct ota_ctx *ctx)
{
    const struct ota_port *port = ctx->port;

    (void)port->crypto.hash_end(port->user, ctx->hash.bytes, NULL);
}

int ota_content256_begin(struct ota_ctx *ctx)
{
    const struct ota_port *port = ctx->port;

    return port->crypto.hash_begin(port->user, OTA_HASH_SHA256, ctx->hash256.bytes);
}

int ota_content256_update(struct ota_ctx *ctx, const void *data, size_t len)
{
    const struct ota_port *port = ctx->port;

    return port->crypto.hash_update(port->user, ctx->hash256.bytes, data, len);
}

int ota_content256_end(struct ota_ctx *ctx, char hex[OTA_SHA256_HEX])
{
    const struct ota_port *port = ctx->port;
    uint8_t digest[32];
    int err = port->crypto.hash_end(port->user, ctx->hash256.bytes, digest);

    if (err == OTA_OK)
        ota_hex_encode(digest, sizeof digest, hex);
    return err;
}

void ota_content256_abort(struct ota_ctx *ctx)
{
    const struct ota_port *port = ctx->port;

    (void)port->crypto.hash_end(port->user, ctx->hash256.bytes, NULL);
}

static int hash_open_file(struct ota_ctx *ctx, int fd, char *hex, char *hex256,
                          uint8_t *buf, size_t cap)
{
    const struct ota_fs_ops *fs = &ctx->port->fs;
    void *user = ctx->port->user;
    long n;
    int err = hex256 ? ota_content256_begin(ctx) : OTA_OK;

    if (err != OTA_OK) {
        ota_blob_abort(ctx);
        return err;
    }
    while ((n = fs->read(user, fd, buf, cap)) > 0) {
        err = ota_blob_update(ctx, buf, (size_t)n);
        if (err == OTA_OK && hex256)
            err = ota_content256_update(ctx, buf, (size_t)n);
        if (err != OTA_OK)
            break;
    }
    if (n < 0)
        err = (int)n;
    if (hex256 && err == OTA_OK)
        err = ota_content256_end(ctx, hex256);
    else if (hex256)
        ota_content256_abort(ctx);
    if (err != OTA_OK) {
        ota_blob_abort(ctx);
        return err;
    }
    return ota_blob_end(ctx, hex);
}

int ota_blob_of_file(struct ota_ctx *ctx, const char *path, char *hex, char *hex256,
                     uint8_t *buf, size_t cap)
{
    const struct ota_fs_ops *fs = &ctx->port->fs;
    void *user = ctx->port->user;
    struct ota_stat st;
    int fd, err;

    err = fs->stat(user, path, &st);
    if (err != OTA_OK)
        return err;
    if (st.is_dir)
        return OTA_ERR_NOT_FOUND;
    fd = fs->open(user, path, OTA_OPEN_READ);
    if (fd < 0)
        return fd;
    err = ota_blob_begin(ctx, st.size);
    if (err == OTA_OK)
        err = hash_open_file(ctx, fd, hex, hex256, buf, cap);
    fs->close(user, fd);
    return err;
}
