/* Fuzz target: the delta decoder (delta.h) on any bytes, against sources
 * whose bytes are a function of (source, offset), so that any size a header
 * declares can be read. Checked on every input:
 * - the decoder reads sources only within the sizes the header declares,
 *   and writes no more than the output size it declares;
 * - it returns OTA_OK or a documented error (the sink stops outputs over
 *   64 KiB); OTA_OK means exactly the declared size was written;
 * - the outcome does not depend on how the input is split: fed whole and
 *   fed in pieces (sizes taken from the input), the result, the error and
 *   the output (by checksum) are the same. */
#include "delta.h"
#include "fuzz_check.h"

/* Output beyond this is cut short by the sink (as the engine's sink stops
 * at the size the plan expects), to keep each run fast. */
#define OUT_MAX (64u << 10)

struct run {
    const struct ota_delta_dec *d;
    uint64_t written;
    uint32_t sum;
};

static uint8_t source_byte(unsigned index, uint64_t offset)
{
    return (uint8_t)(((uint32_t)offset * 2654435761u + index * 97u) >> 13);
}

static int read_source(void *arg, unsigned index, uint64_t offset, uint8_t *buf, size_t len)
{
    struct run *r = arg;
    size_t i;

    FUZZ_CHECK(r->d->header_done && index < r->d->h.source_count);
    FUZZ_CHECK(len > 0 && offset + len <= r->d->h.source_size[index]);
    for (i = 0; i < len; i++)
        buf[i] = source_byte(index, offset + i);
    return OTA_OK;
}

static int write_out(void *arg, const uint8_t *data, size_t len)
{
    struct run *r = arg;
    size_t i;

    FUZZ_CHECK(r->d->header_done && r->written + len <= r->d->h.new_size);
    if (r->written + len > OUT_MAX)
        return OTA_ERR_TOO_LARGE;
    for (i = 0; i < len; i++)
        r->sum = r->sum * 31u + data[i];
    r->written += len;
    return OTA_OK;
}

/* Decodes data in pieces of the sizes `split` gives (whole when NULL). */
static int decode(struct ota_delta_dec *d, struct run *r, const uint8_t *data, size_t size,
                  const uint8_t *split, size_t split_len)
{
    struct ota_delta_io io = {read_source, write_out, NULL};
    size_t at = 0, k = 0;
    int err = OTA_OK;

    memset(r, 0, sizeof *r);
    r->d = d;
    io.arg = r;
    ota_delta_init(d, &io);
    while (err == OTA_OK && at < size) {
        size_t n = split ? (size_t)split[k++ % split_len] % 97 + 1 : size;
        if (n > size - at)
            n = size - at;
        err = ota_delta_feed(d, data + at, n);
        at += n;
    }
    if (err == OTA_OK)
        err = ota_delta_finish(d);
    FUZZ_CHECK(fuzz_known_err(err));
    if (err == OTA_OK)
        FUZZ_CHECK(r->written == d->h.new_size);
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ota_delta_dec whole, pieces;
    struct run a, b;
    int ea, eb;

    if (size > 1 << 16)
        return 0;
    ea = decode(&whole, &a, data, size, NULL, 0);
    eb = decode(&pieces, &b, data, size, data, size ? size : 1);
    /* an error from a callback cannot differ; a malformed delta is found at
     * the same point whatever the pieces */
    FUZZ_CHECK(ea == eb);
    if (ea == OTA_OK)
        FUZZ_CHECK(a.written == b.written && a.sum == b.sum);
    return 0;
}
