/* Reads a GitHub recursive tree listing (GET /repos/{o}/{r}/git/trees/{sha}
 * ?recursive=1) as it streams, handing each blob to a callback. Trees,
 * submodules and symbolic links are skipped. */
#ifndef OTA_CORE_TREE_H
#define OTA_CORE_TREE_H

#include "json.h"
#include "ota/ota.h"

/* Receives each blob in ctx->entry; return 0 or a negative error. */
typedef int (*ota_tree_blob_cb)(void *arg, struct ota_entry *e);

struct ota_tree_reader {
    struct ota_ctx *ctx;
    ota_tree_blob_cb on_blob;
    void *arg;
    struct ota_json json;
    int field;      /* member of the current entry being read */
    int in_tree;    /* inside the "tree" array */
    int saw_tree;
    int truncated;  /* the server said "truncated": true */
    int pending_key; /* last depth-1 key: 1 = tree, 2 = truncated */
    unsigned have;  /* bit set of entry members seen */
    int kind;       /* 1 = blob, 2 = other */
    int symlink;
};

void ota_tree_init(struct ota_tree_reader *t, struct ota_ctx *ctx,
                   ota_tree_blob_cb on_blob, void *arg);
int ota_tree_feed(struct ota_tree_reader *t, const uint8_t *p, size_t n);
/* Checks the document was complete and listed every entry. */
int ota_tree_finish(struct ota_tree_reader *t);

#endif
