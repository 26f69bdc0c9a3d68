#include "publish_hash.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "hex.h"

void blob_hasher_begin(struct blob_hasher *h, uint64_t size)
{
    char header[32];
    int n = snprintf(header, sizeof header, "blob %llu", (unsigned long long)size);

    ota_sha1_init(&h->sha1);
    ota_sha256_init(&h->sha256);
    ota_sha1_update(&h->sha1, header, (size_t)n + 1); /* the NUL belongs to it */
    h->expected = size;
    h->seen = 0;
}

void blob_hasher_update(struct blob_hasher *h, const void *data, size_t len)
{
    ota_sha1_update(&h->sha1, data, len);
    ota_sha256_update(&h->sha256, data, len);
    h->seen += len;
}

int blob_hasher_end(struct blob_hasher *h, struct file_digest *out)
{
    uint8_t d1[OTA_SHA1_LEN], d256[OTA_SHA256_LEN];

    ota_sha1_final(&h->sha1, d1);
    ota_sha256_final(&h->sha256, d256);
    ota_hex_encode(d1, sizeof d1, out->sha1);
    ota_hex_encode(d256, sizeof d256, out->sha256);
    out->size = h->seen;
    return h->seen == h->expected ? 0 : -1;
}

int digest_file(const char *path, struct file_digest *out)
{
    static unsigned char buf[64 * 1024];
    struct blob_hasher h;
    struct stat st;
    FILE *f = fopen(path, "rb");
    size_t n;
    int failed;

    if (!f)
        return -1;
    errno = 0;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        failed = errno ? errno : EINVAL;
        fclose(f);
        errno = failed;
        return -1;
    }
    blob_hasher_begin(&h, (uint64_t)st.st_size);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        blob_hasher_update(&h, buf, n);
    failed = ferror(f);
    fclose(f);
    if (blob_hasher_end(&h, out) != 0 || failed) {
        errno = EIO;
        return -1;
    }
    return 0;
}

void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
    struct ota_sha256 s;
    uint8_t d[OTA_SHA256_LEN];

    ota_sha256_init(&s);
    ota_sha256_update(&s, data, len);
    ota_sha256_final(&s, d);
    ota_hex_encode(d, sizeof d, out);
}
