/* Fuzz target: the streaming JSON tokenizer. The input is parsed whole with
 * a roomy buffer and again split in three chunks (where the first bytes say)
 * with a tiny buffer: the outcome and the token types and depths must agree,
 * and text must never overrun the scratch buffer. */
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct digest {
    uint32_t hash; /* of token types and depths */
    size_t buf_size;
};

static int record(void *arg, const struct ota_json_token *t)
{
    struct digest *d = arg;

    if (t->len >= d->buf_size && d->buf_size > 0)
        abort();
    d->hash = d->hash * 31u + (uint32_t)t->type * 64u + t->depth;
    return 0;
}

static int run(const uint8_t *data, size_t size, size_t cut1, size_t cut2, char *scratch,
               size_t scratch_size, struct digest *d)
{
    struct ota_json j;
    int err;

    d->hash = 0;
    d->buf_size = scratch_size;
    ota_json_init(&j, scratch, scratch_size, record, d);
    err = ota_json_feed(&j, data, cut1);
    if (err == 0)
        err = ota_json_feed(&j, data + cut1, cut2 - cut1);
    if (err == 0)
        err = ota_json_feed(&j, data + cut2, size - cut2);
    return err ? err : ota_json_finish(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char big[4096], tiny[4];
    struct digest whole, split;
    size_t cut1 = size ? data[0] % (size + 1) : 0;
    size_t cut2 = size > 1 ? cut1 + data[1] % (size - cut1 + 1) : cut1;
    int a = run(data, size, size, size, big, sizeof big, &whole);
    int b = run(data, size, cut1, cut2, tiny, sizeof tiny, &split);

    if (a != b || whole.hash != split.hash)
        abort();
    return 0;
}
