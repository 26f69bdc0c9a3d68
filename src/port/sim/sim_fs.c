/* The simulated flash filesystem and its crash model (docs/crash-model.md).
 *
 * Two namespaces: `live`, what the engine sees, and `dur`, what is on flash
 * for sure. Every directory operation is applied to live at once and
 * appended to a log; it moves to dur when every directory it touched has
 * been synced after it (sync_dir). File data work the same way per file:
 * `cur` is what reads see, `dur` what a sync made durable. A reboot decides,
 * with a seeded generator, which logged operations survive (each one whole or
 * not at all, and only in order per entry) and which prefix of the unsynced
 * bytes of each file survives. Nothing the engine did not make durable is
 * ever guaranteed, and nothing it did make durable is ever lost. */
#include <stddef.h>
#include <string.h>

#include "sim.h"

#define ROOT 1u
#define REGION_MIN 256u

/* ---- small helpers --------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static uint32_t name_hash(const char *name)
{
    uint32_t h = 2166136261u;

    while (*name) {
        h ^= (uint8_t)*name++;
        h *= 16777619u;
    }
    return h;
}

static size_t bucket_of(uint16_t parent, uint32_t hash)
{
    return (size_t)((hash ^ ((uint32_t)parent * 0x9e3779b1u)) & (SIM_BUCKETS - 1u));
}

static void violation(struct sim_fs *fs, const char *what, const char *detail)
{
    size_t n = 0, cap = sizeof fs->violation - 1;

    if (fs->violations++ > 0)
        return;
    while (*what && n < cap)
        fs->violation[n++] = *what++;
    while (detail && *detail && n < cap)
        fs->violation[n++] = *detail++;
    fs->violation[n] = '\0';
}

/* ---- namespaces ------------------------------------------------------------ */

static void ns_init(struct sim_ns *ns)
{
    size_t i;

    for (i = 0; i < SIM_ENTRIES; i++) {
        ns->e[i].child = 0;
        ns->e[i].next = (int16_t)(i + 1 < SIM_ENTRIES ? (int)(i + 1) : -1);
    }
    for (i = 0; i < SIM_BUCKETS; i++)
        ns->bucket[i] = -1;
    ns->free_head = 0;
    ns->count = 0;
}

static int ns_find(const struct sim_ns *ns, uint16_t parent, uint32_t hash, const char *name)
{
    int i = ns->bucket[bucket_of(parent, hash)];

    while (i >= 0) {
        const struct sim_entry *e = &ns->e[i];
        if (e->parent == parent && e->hash == hash && strcmp(e->name, name) == 0)
            return i;
        i = e->next;
    }
    return -1;
}

static void ns_unlink(struct sim_ns *ns, int idx)
{
    struct sim_entry *e = &ns->e[idx];
    int16_t *link = &ns->bucket[bucket_of(e->parent, e->hash)];

    while (*link != idx)
        link = &ns->e[*link].next;
    *link = e->next;
    e->child = 0;
    e->next = ns->free_head;
    ns->free_head = (int16_t)idx;
    ns->count--;
}

/* Sets (parent, name) to child; child 0 removes the entry. */
static int ns_set(struct sim_ns *ns, uint16_t parent, uint32_t hash, const char *name,
                  uint16_t child)
{
    int idx = ns_find(ns, parent, hash, name);
    struct sim_entry *e;
    size_t b;

    if (idx >= 0) {
        if (child)
            ns->e[idx].child = child;
        else
            ns_unlink(ns, idx);
        return OTA_OK;
    }
    if (!child)
        return OTA_OK;
    if (ns->free_head < 0)
        return OTA_ERR_NO_SPACE;
    idx = ns->free_head;
    e = &ns->e[idx];
    ns->free_head = e->next;
    e->parent = parent;
    e->child = child;
    e->hash = hash;
    memcpy(e->name, name, strlen(name) + 1);
    b = bucket_of(parent, hash);
    e->next = ns->bucket[b];
    ns->bucket[b] = (int16_t)idx;
    ns->count++;
    return OTA_OK;
}

static int dir_is_empty(const struct sim_ns *ns, uint16_t dir)
{
    size_t i;

    for (i = 0; i < SIM_ENTRIES; i++)
        if (ns->e[i].child && ns->e[i].parent == dir)
            return 0;
    return 1;
}

/* ---- the data arena -------------------------------------------------------- */

struct region_ref {
    uint32_t off;
    uint16_t node;
    uint8_t is_dur;
};

static struct sim_region *region_of(struct sim_fs *fs, const struct region_ref *r)
{
    return r->is_dur ? &fs->node[r->node].dur : &fs->node[r->node].cur;
}

/* Slides every live region to the start of the arena, dropping slack. */
static void compact(struct sim_fs *fs)
{
    struct region_ref refs[2 * SIM_NODES];
    size_t n = 0, i, j;
    uint32_t top = 0;

    for (i = 1; i < SIM_NODES; i++) {
        struct sim_node *nd = &fs->node[i];
        if (!nd->used || nd->is_dir)
            continue;
        if (nd->cur.cap > 0) {
            refs[n].off = nd->cur.off;
            refs[n].node = (uint16_t)i;
            refs[n++].is_dur = 0;
        }
        if (!nd->dur_shared && nd->dur.cap > 0) {
            refs[n].off = nd->dur.off;
            refs[n].node = (uint16_t)i;
            refs[n++].is_dur = 1;
        }
    }
    for (i = 1; i < n; i++) { /* insertion sort by offset */
        struct region_ref r = refs[i];
        for (j = i; j > 0 && refs[j - 1].off > r.off; j--)
            refs[j] = refs[j - 1];
        refs[j] = r;
    }
    for (i = 0; i < n; i++) {
        struct sim_region *g = region_of(fs, &refs[i]);
        if (g->len > 0 && g->off != top)
            memmove(fs->arena + top, fs->arena + g->off, g->len);
        g->off = g->len > 0 ? top : 0;
        g->cap = g->len;
        top += g->len;
    }
    fs->arena_top = top;
}

/* Makes room for need bytes in g, keeping its contents. */
static int region_reserve(struct sim_fs *fs, struct sim_region *g, uint32_t need)
{
    uint32_t cap = g->cap * 2u;

    if (need <= g->cap)
        return OTA_OK;
    if (cap < need)
        cap = need;
    if (cap < REGION_MIN)
        cap = REGION_MIN;
    if ((uint64_t)fs->arena_top + cap > fs->arena_size) {
        compact(fs); /* g's offset moves with it */
        cap = need;
        if ((uint64_t)fs->arena_top + cap > fs->arena_size)
            return OTA_ERR_NO_SPACE;
    }
    if (g->len > 0)
        memcpy(fs->arena + fs->arena_top, fs->arena + g->off, g->len);
    g->off = fs->arena_top;
    g->cap = cap;
    fs->arena_top += cap;
    return OTA_OK;
}

/* ---- nodes and garbage ----------------------------------------------------- */

static void mark_node(struct sim_fs *fs, uint16_t n, int *changed)
{
    if (n && !fs->node[n].mark) {
        fs->node[n].mark = 1;
        *changed = 1;
    }
}

static void sweep_entries(struct sim_fs *fs, struct sim_ns *ns)
{
    size_t i;

    for (i = 0; i < SIM_ENTRIES; i++)
        if (ns->e[i].child && !fs->node[ns->e[i].parent].mark)
            ns_unlink(ns, (int)i);
}

/* Frees the nodes nothing can reach any more: not from the root of either
 * namespace, nor an open handle, nor a logged operation. */
static void collect_garbage(struct sim_fs *fs)
{
    struct sim_ns *ns[2];
    int changed = 0;
    size_t i, k, s;

    ns[0] = &fs->live;
    ns[1] = &fs->dur;
    for (i = 0; i < SIM_NODES; i++)
        fs->node[i].mark = 0;
    mark_node(fs, ROOT, &changed);
    for (i = 0; i < SIM_HANDLES; i++)
        if (fs->handle[i].used)
            mark_node(fs, fs->handle[i].node, &changed);
    for (i = 0; i < fs->nlog; i++)
        for (k = 0; k < fs->log[i].nkeys; k++) {
            mark_node(fs, fs->log[i].key[k].parent, &changed);
            mark_node(fs, fs->log[i].key[k].value, &changed);
        }
    while (changed) {
        changed = 0;
        for (s = 0; s < 2; s++)
            for (i = 0; i < SIM_ENTRIES; i++) {
                const struct sim_entry *e = &ns[s]->e[i];
                if (e->child && fs->node[e->parent].mark)
                    mark_node(fs, e->child, &changed);
            }
    }
    sweep_entries(fs, &fs->live);
    sweep_entries(fs, &fs->dur);
    for (i = 2; i < SIM_NODES; i++)
        if (fs->node[i].used && !fs->node[i].mark) {
            memset(&fs->node[i], 0, sizeof fs->node[i]);
            fs->node_count--;
        }
}

static uint16_t node_alloc(struct sim_fs *fs, int is_dir)
{
    size_t i, pass;

    for (pass = 0; pass < 2; pass++) {
        for (i = 2; i < SIM_NODES; i++) {
            if (!fs->node[i].used) {
                memset(&fs->node[i], 0, sizeof fs->node[i]);
                fs->node[i].used = 1;
                fs->node[i].is_dir = (uint8_t)(is_dir != 0);
                fs->node[i].dur_shared = 1;
                fs->node_count++;
                return (uint16_t)i;
            }
        }
        collect_garbage(fs);
    }
    return 0;
}

/* ---- paths ----------------------------------------------------------------- */

struct resolved {
    uint16_t parent;  /* directory holding the last component */
    uint16_t node;    /* 0 when the last component does not exist */
    uint32_t hash;
    char name[SIM_NAME_MAX];
};

/* The engine only ever builds relative paths without empty, "." or ".."
 * components; anything else is a bug worth reporting. */
static int path_valid(struct sim_fs *fs, const char *path)
{
    const char *p = path;

    if (!path) {
        violation(fs, "NULL path", NULL);
        return 0;
    }
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
            (slash && !slash[1])) {
            violation(fs, "malformed path: ", path);
            return 0;
        }
        p += n + (slash ? 1 : 0);
    }
    return 1;
}

/* Walks path in the live namespace. "" is the root (node 1, no parent). */
static int resolve(struct sim_fs *fs, const char *path, struct resolved *r)
{
    uint16_t dir = ROOT;
    const char *p = path;

    memset(r, 0, sizeof *r);
    if (!path_valid(fs, path))
        return OTA_ERR_INVALID_ARG;
    if (!*p) {
        r->node = ROOT;
        return OTA_OK;
    }
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        int idx;

        if (n >= SIM_NAME_MAX)
            return OTA_ERR_PATH_TOO_LONG;
        memcpy(r->name, p, n);
        r->name[n] = '\0';
        r->hash = name_hash(r->name);
        r->parent = dir;
        idx = ns_find(&fs->live, dir, r->hash, r->name);
        r->node = idx >= 0 ? fs->live.e[idx].child : 0;
        if (!slash)
            return OTA_OK;
        if (!r->node || !fs->node[r->node].is_dir)
            return OTA_ERR_NOT_FOUND;
        dir = r->node;
        p = slash + 1;
    }
}

/* ---- the operation log ----------------------------------------------------- */

static int keys_equal(const struct sim_key *a, const struct sim_key *b)
{
    return a->parent == b->parent && a->hash == b->hash && strcmp(a->name, b->name) == 0;
}

static int ops_share(const struct sim_op *a, const struct sim_op *b)
{
    size_t i, j;

    for (i = 0; i < a->nkeys; i++)
        for (j = 0; j < b->nkeys; j++)
            if (keys_equal(&a->key[i], &b->key[j]))
                return 1;
    return 0;
}

static int apply_op(struct sim_ns *ns, const struct sim_op *op)
{
    size_t k;
    int err = OTA_OK;

    for (k = 0; k < op->nkeys && err == OTA_OK; k++)
        err = ns_set(ns, op->key[k].parent, op->key[k].hash, op->key[k].name, op->key[k].value);
    return err;
}

/* Moves forced operations (and, first, every earlier one they depend on)
 * to the durable namespace. */
static void settle_forced(struct sim_fs *fs)
{
    size_t i, j, w = 0;

    for (i = fs->nlog; i-- > 0;) {
        if (!fs->log[i].forced)
            continue;
        for (j = 0; j < i; j++)
            if (!fs->log[j].forced && ops_share(&fs->log[i], &fs->log[j]))
                fs->log[j].forced = 1;
    }
    for (i = 0; i < fs->nlog; i++) {
        if (fs->log[i].forced) {
            if (apply_op(&fs->dur, &fs->log[i]) != OTA_OK)
                violation(fs, "simulator capacity: durable namespace full", NULL);
        } else {
            if (w != i)
                fs->log[w] = fs->log[i];
            w++;
        }
    }
    fs->nlog = (uint32_t)w;
}

static void key_set(struct sim_key *k, const struct resolved *r, uint16_t value)
{
    k->parent = r->parent;
    k->value = value;
    k->hash = r->hash;
    memcpy(k->name, r->name, strlen(r->name) + 1);
}

/* Applies an operation to the live namespace and logs it. A full log is
 * flushed from its oldest end, as a filesystem commits its journal. */
static int log_op(struct sim_fs *fs, const struct sim_op *op)
{
    int err = apply_op(&fs->live, op);

    if (err != OTA_OK)
        return err;
    if (fs->nlog == SIM_LOG_MAX) {
        fs->log_flushes++;
        fs->log[0].forced = 1;
        settle_forced(fs);
    }
    fs->log[fs->nlog] = *op;
    fs->log[fs->nlog].synced = 0;
    fs->log[fs->nlog].forced = 0;
    fs->nlog++;
    return OTA_OK;
}

static int log_set(struct sim_fs *fs, const struct resolved *r, uint16_t value)
{
    struct sim_op op;

    memset(&op, 0, sizeof op);
    op.nkeys = 1;
    key_set(&op.key[0], r, value);
    return log_op(fs, &op);
}

static void sync_dir_node(struct sim_fs *fs, uint16_t dir)
{
    size_t i, k;
    int any = 0;

    for (i = 0; i < fs->nlog; i++) {
        struct sim_op *op = &fs->log[i];
        for (k = 0; k < op->nkeys; k++)
            if (op->key[k].parent == dir)
                op->synced = (uint8_t)(op->synced | (1u << k));
        if (op->synced == (1u << op->nkeys) - 1u) {
            op->forced = 1;
            any = 1;
        }
    }
    if (any)
        settle_forced(fs);
}

/* ---- file data ------------------------------------------------------------- */

static void data_truncate(struct sim_node *nd)
{
    if (nd->dur_shared) {
        if (nd->dur.len == 0 && nd->cur.len == 0)
            return;
        /* the old bytes stay on flash until a sync replaces them */
        nd->dur.off = nd->cur.off;
        nd->dur.cap = nd->cur.cap;
        nd->dur_shared = 0;
        memset(&nd->cur, 0, sizeof nd->cur);
    } else {
        nd->cur.len = 0;
    }
}

static void data_sync(struct sim_node *nd)
{
    if (!nd->dur_shared) {
        memset(&nd->dur, 0, sizeof nd->dur);
        nd->dur_shared = 1;
    }
    nd->dur.len = nd->cur.len;
}

static int data_dirty(const struct sim_node *nd)
{
    return !nd->is_dir && (!nd->dur_shared || nd->dur.len != nd->cur.len);
}

/* How many of pending unsynced bytes survive. */
static uint32_t choose_prefix(struct sim_fs *fs, uint64_t mode, uint32_t pending)
{
    uint64_t r;

    if (mode == SIM_CRASH_LOSE_ALL || pending == 0)
        return 0;
    if (mode == SIM_CRASH_KEEP_ALL)
        return pending;
    r = rng_next(&fs->rng);
    if (r % 4u == 0u)
        return 0;
    if (r % 4u == 1u)
        return pending;
    return (uint32_t)((r >> 8) % ((uint64_t)pending + 1u));
}

/* A torn tail: the size reached flash, the bytes did not (they read as
 * zeros). Only in random mode, and only over bytes that were not synced. */
static uint32_t torn_tail(struct sim_fs *fs, uint64_t mode, struct sim_node *nd, uint32_t base,
                          uint32_t keep, uint32_t pending)
{
    uint64_t r;
    uint32_t z;

    if (mode == SIM_CRASH_LOSE_ALL || mode == SIM_CRASH_KEEP_ALL || keep >= pending)
        return keep;
    r = rng_next(&fs->rng);
    if (r % 4u != 0u)
        return keep;
    z = 1u + (uint32_t)((r >> 8) % (pending - keep));
    memset(fs->arena + nd->cur.off + base + keep, 0, z);
    return keep + z;
}

static void data_crash(struct sim_fs *fs, uint64_t mode, struct sim_node *nd)
{
    uint32_t pending, keep;

    if (!data_dirty(nd))
        return;
    if (nd->dur_shared) {
        pending = nd->cur.len - nd->dur.len;
        keep = choose_prefix(fs, mode, pending);
        keep = torn_tail(fs, mode, nd, nd->dur.len, keep, pending);
        nd->cur.len = nd->dur.len + keep;
        nd->dur.len = nd->cur.len;
        return;
    }
    /* a truncation not synced: the old bytes, or a prefix of the new ones */
    if (mode == SIM_CRASH_LOSE_ALL || (mode != SIM_CRASH_KEEP_ALL && (rng_next(&fs->rng) & 1u))) {
        nd->cur = nd->dur;
    } else {
        pending = nd->cur.len;
        keep = choose_prefix(fs, mode, pending);
        nd->cur.len = torn_tail(fs, mode, nd, 0, keep, pending);
    }
    nd->dur_shared = 1;
    nd->dur.off = nd->dur.cap = 0;
    nd->dur.len = nd->cur.len;
}

/* ---- power ----------------------------------------------------------------- */

static int powered(const struct sim_fs *fs)
{
    return !fs->power_lost;
}

/* Every mutation passes here: the armed one cuts the power. */
static int mutate(struct sim_fs *fs)
{
    if (fs->power_lost)
        return OTA_ERR_IO;
    if (fs->cut_before != SIM_NO_CUT && (long)fs->mutations >= fs->cut_before) {
        fs->power_lost = 1;
        fs->cuts++;
        fs->mutations++;
        return OTA_ERR_IO;
    }
    fs->mutations++;
    return OTA_OK;
}

static void trace(struct sim_fs *fs, const char *op, const char *a, const char *b, int handle,
                  size_t len)
{
    if (fs->trace)
        fs->trace(fs->trace_arg, fs->mutations - 1u, op, a, b, handle, len);
}

void sim_fs_init(struct sim_fs *fs, uint8_t *arena, size_t arena_size)
{
    memset(fs, 0, offsetof(struct sim_fs, log));
    fs->arena = arena;
    fs->arena_size = arena_size > 0xffffffffu ? 0xffffffffu : (uint32_t)arena_size;
    fs->cut_before = SIM_NO_CUT;
    ns_init(&fs->live);
    ns_init(&fs->dur);
    fs->node[ROOT].used = 1;
    fs->node[ROOT].is_dir = 1;
    fs->node[ROOT].dur_shared = 1;
    fs->node_count = 1;
    fs->nlog = 0;
}

void sim_fs_cut(struct sim_fs *fs, long cut_before)
{
    fs->cut_before = cut_before < 0 ? SIM_NO_CUT : cut_before;
    fs->mutations = 0;
}

uint32_t sim_fs_mutations(const struct sim_fs *fs) { return fs->mutations; }

int sim_fs_power_lost(const struct sim_fs *fs) { return fs->power_lost; }

/* Marks what the durable namespace reaches from the root. */
static void mark_durable(struct sim_fs *fs)
{
    int changed = 0;
    size_t i;

    for (i = 0; i < SIM_NODES; i++)
        fs->node[i].mark = 0;
    mark_node(fs, ROOT, &changed);
    while (changed) {
        changed = 0;
        for (i = 0; i < SIM_ENTRIES; i++) {
            const struct sim_entry *e = &fs->dur.e[i];
            if (e->child && fs->node[e->parent].mark)
                mark_node(fs, e->child, &changed);
        }
    }
}

uint32_t sim_fs_pending(struct sim_fs *fs)
{
    uint32_t n = 0;
    size_t i, k;

    /* what hangs off a directory that is durably gone cannot matter */
    mark_durable(fs);
    for (i = 0; i < fs->nlog; i++) {
        for (k = 0; k < fs->log[i].nkeys; k++)
            if (fs->node[fs->log[i].key[k].parent].mark)
                break;
        n += k < fs->log[i].nkeys;
    }
    for (i = 1; i < SIM_NODES; i++)
        if (fs->node[i].used && fs->node[i].mark && data_dirty(&fs->node[i]))
            n++;
    return n;
}

uint32_t sim_fs_open_handles(const struct sim_fs *fs)
{
    uint32_t n = 0;
    size_t i;

    for (i = 0; i < SIM_HANDLES; i++)
        n += fs->handle[i].used;
    return n;
}

void sim_fs_reboot(struct sim_fs *fs, uint64_t seed)
{
    size_t i, j;

    fs->rng = seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
    for (i = 0; i < fs->nlog; i++) {
        struct sim_op *op = &fs->log[i];
        int s = seed == SIM_CRASH_KEEP_ALL ||
                (seed != SIM_CRASH_LOSE_ALL && (rng_next(&fs->rng) & 1u));
        /* per entry, only a prefix of its operations can survive */
        for (j = 0; s && j < i; j++)
            if (!fs->log[j].survive && ops_share(op, &fs->log[j]))
                s = 0;
        op->survive = (uint8_t)s;
        if (s && apply_op(&fs->dur, op) != OTA_OK)
            violation(fs, "simulator capacity: durable namespace full", NULL);
    }
    fs->nlog = 0;
    memcpy(&fs->live, &fs->dur, sizeof fs->live);
    for (i = 1; i < SIM_NODES; i++)
        if (fs->node[i].used)
            data_crash(fs, seed, &fs->node[i]);
    memset(fs->handle, 0, sizeof fs->handle);
    collect_garbage(fs);
    fs->power_lost = 0;
    fs->cut_before = SIM_NO_CUT;
    fs->mutations = 0;
}

size_t sim_fs_save(struct sim_fs *fs, void *buf, size_t cap)
{
    size_t head = offsetof(struct sim_fs, log);
    size_t logn = fs->nlog * sizeof fs->log[0];
    uint8_t *out = buf;

    compact(fs);
    if (head + logn + fs->arena_top > cap)
        return 0;
    memcpy(out, fs, head);
    memcpy(out + head, fs->log, logn);
    memcpy(out + head + logn, fs->arena, fs->arena_top);
    return head + logn + fs->arena_top;
}

int sim_fs_load(struct sim_fs *fs, const void *buf, size_t len)
{
    size_t head = offsetof(struct sim_fs, log);
    const uint8_t *in = buf;
    uint8_t *arena = fs->arena;
    uint32_t arena_size = fs->arena_size;
    sim_trace_fn tr = fs->trace;
    void *tr_arg = fs->trace_arg;
    size_t logn;

    if (len < head)
        return OTA_ERR_INVALID_ARG;
    memcpy(fs, in, head);
    fs->arena = arena;
    fs->arena_size = arena_size;
    fs->trace = tr;
    fs->trace_arg = tr_arg;
    logn = fs->nlog * sizeof fs->log[0];
    if (fs->nlog > SIM_LOG_MAX || head + logn + fs->arena_top != len ||
        fs->arena_top > arena_size)
        return OTA_ERR_INVALID_ARG;
    memcpy(fs->log, in + head, logn);
    memcpy(fs->arena, in + head + logn, fs->arena_top);
    return OTA_OK;
}

/* ---- the port operations --------------------------------------------------- */

static struct sim_fs *fs_of(void *user) { return user; }

static struct sim_handle *handle_of(struct sim_fs *fs, int h)
{
    if (h < 0 || h >= SIM_HANDLES || !fs->handle[h].used) {
        violation(fs, "use of a handle that is not open", NULL);
        return NULL;
    }
    return &fs->handle[h];
}

static int handle_new(struct sim_fs *fs, uint16_t node, int writing)
{
    int i;

    for (i = 0; i < SIM_HANDLES; i++) {
        if (!fs->handle[i].used) {
            fs->handle[i].used = 1;
            fs->handle[i].writing = (uint8_t)writing;
            fs->handle[i].node = node;
            fs->handle[i].pos = 0;
            return i;
        }
    }
    violation(fs, "too many open files", NULL);
    return OTA_ERR_IO;
}

static int open_write(struct sim_fs *fs, const char *path)
{
    struct resolved r;
    int err = resolve(fs, path, &r);

    if (err != OTA_OK)
        return err;
    if (!r.parent)
        return OTA_ERR_IO; /* the root */
    if (r.node) {
        if (fs->node[r.node].is_dir)
            return OTA_ERR_IO;
        data_truncate(&fs->node[r.node]);
    } else {
        r.node = node_alloc(fs, 0);
        if (!r.node)
            return OTA_ERR_NO_SPACE;
        err = log_set(fs, &r, r.node);
        if (err != OTA_OK)
            return err;
    }
    return handle_new(fs, r.node, 1);
}

static int fs_open(void *user, const char *path, enum ota_open_mode mode)
{
    struct sim_fs *fs = fs_of(user);
    struct resolved r;
    int err;

    if (mode == OTA_OPEN_WRITE) {
        if (sim_fs_open_handles(fs) == SIM_HANDLES) {
            violation(fs, "too many open files", NULL);
            return OTA_ERR_IO;
        }
        err = mutate(fs);
        if (err != OTA_OK)
            return err;
        trace(fs, "create", path, NULL, -1, 0);
        return open_write(fs, path);
    }
    if (mode != OTA_OPEN_READ) {
        violation(fs, "bad open mode", NULL);
        return OTA_ERR_INVALID_ARG;
    }
    if (!powered(fs))
        return OTA_ERR_IO;
    err = resolve(fs, path, &r);
    if (err != OTA_OK)
        return err;
    if (!r.node)
        return OTA_ERR_NOT_FOUND;
    if (fs->node[r.node].is_dir)
        return OTA_ERR_IO;
    return handle_new(fs, r.node, 0);
}

static long fs_read(void *user, int handle, void *buf, size_t len)
{
    struct sim_fs *fs = fs_of(user);
    struct sim_handle *h = handle_of(fs, handle);
    const struct sim_node *nd;
    size_t n;

    if (!h)
        return OTA_ERR_INVALID_ARG;
    if (h->writing) {
        violation(fs, "read from a handle open for writing", NULL);
        return OTA_ERR_INVALID_ARG;
    }
    if (!powered(fs))
        return OTA_ERR_IO;
    nd = &fs->node[h->node];
    n = h->pos < nd->cur.len ? nd->cur.len - h->pos : 0;
    if (n > len)
        n = len;
    if (n > 0x7fffffffu)
        n = 0x7fffffffu;
    if (n)
        memcpy(buf, fs->arena + nd->cur.off + h->pos, n);
    h->pos += (uint32_t)n;
    return (long)n;
}

static int fs_write(void *user, int handle, const void *buf, size_t len)
{
    struct sim_fs *fs = fs_of(user);
    struct sim_handle *h = handle_of(fs, handle);
    struct sim_node *nd;
    int err;

    if (!h)
        return OTA_ERR_INVALID_ARG;
    if (!h->writing) {
        violation(fs, "write to a handle open for reading", NULL);
        return OTA_ERR_INVALID_ARG;
    }
    err = mutate(fs);
    if (err != OTA_OK)
        return err;
    trace(fs, "write", NULL, NULL, handle, len);
    nd = &fs->node[h->node];
    if ((uint64_t)nd->cur.len + len > 0xffffffffu)
        return OTA_ERR_NO_SPACE;
    err = region_reserve(fs, &nd->cur, nd->cur.len + (uint32_t)len);
    if (err != OTA_OK)
        return err;
    if (len)
        memcpy(fs->arena + nd->cur.off + nd->cur.len, buf, len);
    nd->cur.len += (uint32_t)len;
    h->pos = nd->cur.len;
    return OTA_OK;
}

static int fs_seek(void *user, int handle, uint64_t offset)
{
    struct sim_fs *fs = fs_of(user);
    struct sim_handle *h = handle_of(fs, handle);

    if (!h)
        return OTA_ERR_INVALID_ARG;
    if (h->writing) {
        violation(fs, "seek on a handle open for writing", NULL);
        return OTA_ERR_INVALID_ARG;
    }
    if (!powered(fs))
        return OTA_ERR_IO;
    h->pos = offset > 0xffffffffu ? 0xffffffffu : (uint32_t)offset;
    return OTA_OK;
}

static int fs_sync(void *user, int handle)
{
    struct sim_fs *fs = fs_of(user);
    struct sim_handle *h = handle_of(fs, handle);
    int err;

    if (!h)
        return OTA_ERR_INVALID_ARG;
    err = mutate(fs);
    if (err != OTA_OK)
        return err;
    trace(fs, "sync", NULL, NULL, handle, 0);
    data_sync(&fs->node[h->node]);
    return OTA_OK;
}

static int fs_close(void *user, int handle)
{
    struct sim_fs *fs = fs_of(user);
    struct sim_handle *h = handle_of(fs, handle);

    if (!h)
        return OTA_ERR_INVALID_ARG;
    h->used = 0; /* closing never makes anything durable */
    return OTA_OK;
}

/* Is node an ancestor of (or equal to) dir in the live namespace? */
static int is_ancestor(const struct sim_fs *fs, uint16_t node, uint16_t dir)
{
    size_t i, depth;

    for (depth = 0; depth < SIM_NODES && dir != ROOT; depth++) {
        if (dir == node)
            return 1;
        for (i = 0; i < SIM_ENTRIES; i++)
            if (fs->live.e[i].child == dir)
                break;
        if (i == SIM_ENTRIES)
            return 0;
        dir = fs->live.e[i].parent;
    }
    return dir == node;
}

static int fs_rename(void *user, const char *from, const char *to)
{
    struct sim_fs *fs = fs_of(user);
    struct resolved a, b;
    struct sim_op op;
    int err = mutate(fs);

    if (err == OTA_OK)
        trace(fs, "rename", from, to, -1, 0);
    if (err == OTA_OK)
        err = resolve(fs, from, &a);
    if (err == OTA_OK)
        err = resolve(fs, to, &b);
    if (err != OTA_OK)
        return err;
    if (!a.node)
        return OTA_ERR_NOT_FOUND;
    if (!a.parent || !b.parent)
        return OTA_ERR_IO;
    if (a.parent == b.parent && a.hash == b.hash && strcmp(a.name, b.name) == 0)
        return OTA_OK;
    if (b.node) {
        const struct sim_node *t = &fs->node[b.node];
        if (t->is_dir && (!fs->node[a.node].is_dir || !dir_is_empty(&fs->live, b.node)))
            return OTA_ERR_IO; /* EISDIR, ENOTEMPTY */
        if (!t->is_dir && fs->node[a.node].is_dir)
            return OTA_ERR_IO; /* ENOTDIR */
    }
    if (fs->node[a.node].is_dir && is_ancestor(fs, a.node, b.parent))
        return OTA_ERR_IO; /* EINVAL: into itself */
    memset(&op, 0, sizeof op);
    op.nkeys = 2;
    key_set(&op.key[0], &a, 0);
    key_set(&op.key[1], &b, a.node);
    return log_op(fs, &op);
}


/* Every mutating call starts alike: count it (power may be cut here), trace
 * it, and resolve its path. */
static int begin_mutation(struct sim_fs *fs, const char *op, const char *path,
                          struct resolved *r)
{
    int err = mutate(fs);

    if (err == OTA_OK)
        trace(fs, op, path, NULL, -1, 0);
    if (err == OTA_OK)
        err = resolve(fs, path, r);
    return err;
}

static int fs_remove(void *user, const char *path)
{
    struct sim_fs *fs = fs_of(user);
    struct resolved r;
    int err = begin_mutation(fs, "remove", path, &r);

    if (err != OTA_OK)
        return err;
    if (!r.node)
        return OTA_ERR_NOT_FOUND;
    if (!r.parent)
        return OTA_ERR_IO;
    if (fs->node[r.node].is_dir && !dir_is_empty(&fs->live, r.node))
        return OTA_ERR_IO; /* ENOTEMPTY */
    return log_set(fs, &r, 0);
}

static int fs_mkdir(void *user, const char *path)
{
    struct sim_fs *fs = fs_of(user);
    struct resolved r;
    int err = begin_mutation(fs, "mkdir", path, &r);

    if (err != OTA_OK)
        return err;
    if (r.node)
        return fs->node[r.node].is_dir ? OTA_OK : OTA_ERR_IO;
    r.node = node_alloc(fs, 1);
    if (!r.node)
        return OTA_ERR_NO_SPACE;
    return log_set(fs, &r, r.node);
}

static int fs_stat(void *user, const char *path, struct ota_stat *st)
{
    struct sim_fs *fs = fs_of(user);
    struct resolved r;
    int err;

    if (!powered(fs))
        return OTA_ERR_IO;
    err = resolve(fs, path, &r);
    if (err != OTA_OK)
        return err;
    if (!r.node)
        return OTA_ERR_NOT_FOUND;
    st->is_dir = fs->node[r.node].is_dir;
    st->size = fs->node[r.node].is_dir ? 0 : fs->node[r.node].cur.len;
    return OTA_OK;
}

static int fs_sync_dir(void *user, const char *path)
{
    struct sim_fs *fs = fs_of(user);
    struct resolved r;
    int err = begin_mutation(fs, "sync_dir", path, &r);

    if (err != OTA_OK)
        return err;
    if (!r.node)
        return OTA_ERR_NOT_FOUND;
    if (!fs->node[r.node].is_dir)
        return OTA_ERR_IO;
    sync_dir_node(fs, r.node);
    return OTA_OK;
}

static int fs_list(void *user, const char *path, ota_list_cb cb, void *arg)
{
    struct sim_fs *fs = fs_of(user);
    char name[SIM_NAME_MAX];
    struct resolved r;
    size_t i;
    int err;

    if (!powered(fs))
        return OTA_ERR_IO;
    err = resolve(fs, path, &r);
    if (err != OTA_OK)
        return err;
    if (!r.node)
        return OTA_ERR_NOT_FOUND;
    if (!fs->node[r.node].is_dir)
        return OTA_ERR_IO;
    /* by slot: entries removed by the callback are simply not seen again */
    for (i = 0; i < SIM_ENTRIES; i++) {
        const struct sim_entry *e = &fs->live.e[i];
        if (!e->child || e->parent != r.node)
            continue;
        memcpy(name, e->name, sizeof name);
        if (cb(arg, name, fs->node[e->child].is_dir) != 0)
            break;
        if (!powered(fs))
            return OTA_ERR_IO;
    }
    return OTA_OK;
}

void sim_fs_ops(struct ota_fs_ops *ops)
{
    ops->open = fs_open;
    ops->read = fs_read;
    ops->write = fs_write;
    ops->seek = fs_seek;
    ops->sync = fs_sync;
    ops->close = fs_close;
    ops->rename = fs_rename;
    ops->remove = fs_remove;
    ops->mkdir = fs_mkdir;
    ops->stat = fs_stat;
    ops->sync_dir = fs_sync_dir;
    ops->list = fs_list;
}

/* ---- durable setup for tests ----------------------------------------------- */

static int make_durable(struct sim_fs *fs, const char *path)
{
    struct resolved r;
    int err = resolve(fs, path, &r);

    if (err != OTA_OK)
        return err;
    if (!r.node)
        return OTA_ERR_NOT_FOUND;
    sync_dir_node(fs, r.parent);
    return OTA_OK;
}

int sim_fs_put(struct sim_fs *fs, const char *path, const void *data, size_t len)
{
    long saved_cut = fs->cut_before;
    uint32_t saved_count = fs->mutations;
    int h, err;

    if (fs->power_lost)
        return OTA_ERR_IO;
    fs->cut_before = SIM_NO_CUT;
    h = fs_open(fs, path, OTA_OPEN_WRITE);
    err = h < 0 ? h : OTA_OK;
    if (err == OTA_OK) {
        err = fs_write(fs, h, data, len);
        if (err == OTA_OK)
            err = fs_sync(fs, h);
        fs_close(fs, h);
    }
    if (err == OTA_OK)
        err = make_durable(fs, path);
    fs->cut_before = saved_cut;
    fs->mutations = saved_count;
    return err;
}

int sim_fs_put_dir(struct sim_fs *fs, const char *path)
{
    long saved_cut = fs->cut_before;
    uint32_t saved_count = fs->mutations;
    int err;

    if (fs->power_lost)
        return OTA_ERR_IO;
    fs->cut_before = SIM_NO_CUT;
    err = fs_mkdir(fs, path);
    if (err == OTA_OK)
        err = make_durable(fs, path);
    fs->cut_before = saved_cut;
    fs->mutations = saved_count;
    return err;
}
