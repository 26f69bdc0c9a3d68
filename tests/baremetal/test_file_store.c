/* The bare-metal example's file store (examples/baremetal/file_store.c) on
 * a RAM image of NOR flash: the filesystem semantics the engine relies on,
 * persistence across a remount, and whole updates through the engine (the
 * network is the simulator's GitHub imitation) with the power cut at every
 * flash operation, a torn program or erase included: after the reboot and
 * ota_boot() the application is exactly the old version or exactly the new
 * one, and the next update completes. */
#include <stdlib.h>
#include <string.h>

#include "file_store.h"
#include "ota/ota.h"
#include "sim.h"
#include "test.h"

/* ---- NOR flash in RAM, with power cuts ------------------------------------ */

#define FLASH_SIZE (96u * FLASH_SECTOR) /* 24 directory slots, 18 file slots */

struct ram_flash {
    uint8_t mem[FLASH_SIZE];
    long cut_at;     /* the operation that loses power, -1: none */
    int tear;        /* what it leaves: see torn() */
    long ops;        /* operations since the cut was armed */
    int dead;        /* power lost: everything fails */
    uint32_t rng;
};

static uint32_t next_random(struct ram_flash *f)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 17;
    f->rng ^= f->rng << 5;
    return f->rng;
}

/* 1 when this operation is the one the power cut interrupts. */
static int power_fails(struct ram_flash *f)
{
    return f->cut_at >= 0 && f->ops++ == f->cut_at;
}

/* What a cut operation leaves of byte i, going from old to new: nothing,
 * a prefix (short ones: a record's header without all of its path), random
 * bits of the change, or all of it (the power went just after). */
enum { TEAR_NOTHING, TEAR_PREFIX, TEAR_BITS, TEAR_ALL, TEARS };

static uint8_t torn(struct ram_flash *f, size_t i, size_t n, uint8_t old, uint8_t new)
{
    switch (f->tear) {
    case TEAR_NOTHING:
        return old;
    case TEAR_PREFIX:
        return i < f->rng % (n < 48 ? n : 48) ? new : old;
    case TEAR_BITS:
        return (uint8_t)((old & new) | ((old | new) & next_random(f)));
    }
    return new;
}

static int ram_erase(void *arg, uint32_t offset)
{
    struct ram_flash *f = arg;
    int cut;

    if (f->dead || offset % FLASH_SECTOR || offset + FLASH_SECTOR > FLASH_SIZE)
        return OTA_ERR_IO;
    cut = power_fails(f);
    for (uint32_t i = 0; i < FLASH_SECTOR; i++)
        f->mem[offset + i] = cut ? torn(f, i, FLASH_SECTOR, f->mem[offset + i], 0xff) : 0xff;
    f->dead = cut;
    return cut ? OTA_ERR_IO : OTA_OK;
}

static int ram_program(void *arg, uint32_t offset, const uint8_t *data, size_t len)
{
    struct ram_flash *f = arg;
    int cut;

    if (f->dead || len == 0 || offset / FLASH_PAGE != (offset + len - 1) / FLASH_PAGE ||
        offset + len > FLASH_SIZE)
        return OTA_ERR_IO;
    cut = power_fails(f);
    for (size_t i = 0; i < len; i++) { /* NOR: bits only go from 1 to 0 */
        uint8_t *p = &f->mem[offset + i];

        *p = cut ? torn(f, i, len, *p, *p & data[i]) : *p & data[i];
    }
    f->dead = cut;
    return cut ? OTA_ERR_IO : OTA_OK;
}

static struct ram_flash chip;
static const struct flash flash = {chip.mem, FLASH_SIZE, ram_erase, ram_program, &chip};
static struct file_store store;
static struct ota_fs_ops ops;

/* Power goes at operation cut (counted from now), leaving it torn so. */
static void arm_cut(long cut, int tear, uint32_t seed)
{
    chip.cut_at = cut;
    chip.tear = tear;
    chip.ops = 0;
    chip.rng = seed * 2654435761u + 1u;
    for (int i = 0; i < 4; i++)
        next_random(&chip);
}

static void power_on(void)
{
    chip.dead = 0;
    chip.cut_at = -1;
    CHECK_EQ_INT(file_store_mount(&store, &flash), OTA_OK);
}

/* ---- helpers ---------------------------------------------------------------- */

static int put(const char *path, const void *data, size_t len)
{
    int h = ops.open(&store, path, OTA_OPEN_WRITE), err;

    if (h < 0)
        return h;
    err = ops.write(&store, h, data, len);
    if (err == OTA_OK)
        err = ops.sync(&store, h);
    ops.close(&store, h);
    return err;
}

static long get(const char *path, uint8_t *buf, size_t cap)
{
    int h = ops.open(&store, path, OTA_OPEN_READ);
    long n, total = 0;

    if (h < 0)
        return h;
    while ((n = ops.read(&store, h, buf + total, cap - (size_t)total)) > 0)
        total += n;
    ops.close(&store, h);
    return n < 0 ? n : total;
}

static int has(const char *path, const void *data, size_t len)
{
    static uint8_t buf[FS_FILE_MAX + 1];

    return get(path, buf, sizeof buf) == (long)len && memcmp(buf, data, len) == 0;
}

struct names {
    char all[512];
};

static int add_name(void *arg, const char *name, int is_dir)
{
    struct names *n = arg;

    strcat(n->all, name);
    strcat(n->all, is_dir ? "/ " : " ");
    return 0;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

/* ---- the filesystem -------------------------------------------------------- */

static void test_files(void)
{
    static uint8_t big[FS_FILE_MAX], back[FS_FILE_MAX + 1];
    struct ota_stat st;
    struct names n;
    int h;

    memset(chip.mem, 0xff, sizeof chip.mem);
    power_on();
    fill(big, sizeof big, 1);
    CHECK_EQ_INT(ops.stat(&store, "", &st), OTA_OK);
    CHECK(st.is_dir);
    CHECK_EQ_INT(ops.stat(&store, "a", &st), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(put("lib/x.py", "x", 1), OTA_ERR_NOT_FOUND); /* no parent */
    CHECK_EQ_INT(ops.mkdir(&store, "lib"), OTA_OK);
    CHECK_EQ_INT(ops.mkdir(&store, "lib"), OTA_OK);
    CHECK_EQ_INT(put("lib/x.py", "x", 1), OTA_OK);
    CHECK_EQ_INT(put("big.bin", big, sizeof big), OTA_OK);
    CHECK_EQ_INT(put("empty", "", 0), OTA_OK);
    CHECK(has("big.bin", big, sizeof big));
    CHECK(has("empty", "", 0));

    /* written in pieces that straddle pages, synced halfway */
    h = ops.open(&store, "pieces", OTA_OPEN_WRITE);
    CHECK(h >= 0);
    CHECK_EQ_INT(ops.write(&store, h, big, 100), OTA_OK);
    CHECK_EQ_INT(ops.sync(&store, h), OTA_OK);
    CHECK_EQ_INT(ops.write(&store, h, big + 100, 500), OTA_OK);
    CHECK_EQ_INT(ops.stat(&store, "pieces", &st), OTA_OK);
    CHECK_EQ_INT(st.size, 600);
    CHECK_EQ_INT(ops.write(&store, h, big, 1), OTA_OK);
    CHECK_EQ_INT(ops.write(&store, h, big + 1, sizeof big - 601), OTA_OK);
    CHECK_EQ_INT(ops.write(&store, h, big, 1), OTA_ERR_NO_SPACE); /* past FS_FILE_MAX */
    CHECK_EQ_INT(ops.close(&store, h), OTA_OK);
    CHECK_EQ_INT(get("pieces", back, sizeof back), (long)sizeof big);
    CHECK(memcmp(back, big, 600) == 0 && memcmp(back + 600, big, 1) == 0 &&
          memcmp(back + 601, big + 1, sizeof big - 601) == 0);

    /* seek */
    h = ops.open(&store, "big.bin", OTA_OPEN_READ);
    CHECK_EQ_INT(ops.seek(&store, h, 5000), OTA_OK);
    CHECK_EQ_INT(ops.read(&store, h, back, 10), 10);
    CHECK(memcmp(back, big + 5000, 10) == 0);
    CHECK_EQ_INT(ops.close(&store, h), OTA_OK);

    /* rename over an existing file, and its old content is gone */
    CHECK_EQ_INT(put("lib/y.py", "yy", 2), OTA_OK);
    CHECK_EQ_INT(ops.rename(&store, "lib/y.py", "lib/x.py"), OTA_OK);
    CHECK(has("lib/x.py", "yy", 2));
    CHECK_EQ_INT(ops.stat(&store, "lib/y.py", &st), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(ops.rename(&store, "nope", "lib/z"), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(ops.rename(&store, "lib", "lib2"), OTA_ERR_UNSUPPORTED);

    /* a rewrite replaces the content */
    CHECK_EQ_INT(put("lib/x.py", "third", 5), OTA_OK);
    CHECK(has("lib/x.py", "third", 5));

    memset(&n, 0, sizeof n);
    CHECK_EQ_INT(ops.list(&store, "", add_name, &n), OTA_OK);
    CHECK_EQ_STR(n.all, "lib/ big.bin empty pieces ");
    memset(&n, 0, sizeof n);
    CHECK_EQ_INT(ops.list(&store, "lib", add_name, &n), OTA_OK);
    CHECK_EQ_STR(n.all, "x.py ");
    CHECK_EQ_INT(ops.list(&store, "none", add_name, &n), OTA_ERR_NOT_FOUND);

    /* removal: files, then the emptied directory */
    CHECK_EQ_INT(ops.remove(&store, "lib"), OTA_ERR_IO);
    CHECK_EQ_INT(ops.remove(&store, "lib/x.py"), OTA_OK);
    CHECK_EQ_INT(ops.remove(&store, "lib/x.py"), OTA_ERR_NOT_FOUND);
    CHECK_EQ_INT(ops.remove(&store, "lib"), OTA_OK);

    /* everything durable is there after a remount, nothing else */
    power_on();
    CHECK(has("big.bin", big, sizeof big));
    CHECK(has("empty", "", 0));
    CHECK_EQ_INT(ops.stat(&store, "lib", &st), OTA_ERR_NOT_FOUND);
    memset(&n, 0, sizeof n);
    CHECK_EQ_INT(ops.list(&store, "", add_name, &n), OTA_OK);
    CHECK_EQ_STR(n.all, "big.bin empty pieces ");

    /* the slots are reused: many rewrites fit */
    for (int i = 0; i < 200; i++)
        CHECK_EQ_INT(put("again", big, 3000), OTA_OK);
    CHECK(has("again", big, 3000));

    /* no slot left: an error, not damage */
    for (int i = 0; i < 40; i++) {
        char name[16];

        name[0] = 'f';
        name[1] = (char)('a' + i % 26);
        name[2] = (char)('a' + i / 26);
        name[3] = '\0';
        if (put(name, big, 10) != OTA_OK)
            break;
    }
    CHECK_EQ_INT(put("full", big, 10), OTA_ERR_NO_SPACE);
    CHECK(has("big.bin", big, sizeof big));
}

/* A rename over an existing file, cut at every flash operation: afterwards
 * the target is the old file and the source still exists, or the target is
 * the moved file and the source is gone; never both, never neither. A
 * removal is done or not. */
static void test_atomic_rename(void)
{
    static uint8_t before[FLASH_SIZE];
    static uint8_t a[700], b[900];
    struct ota_stat st;
    long cut;
    int done = 0, tries = 0;

    fill(a, sizeof a, 7);
    fill(b, sizeof b, 8);
    memset(chip.mem, 0xff, sizeof chip.mem);
    power_on();
    CHECK_EQ_INT(put("a", a, sizeof a), OTA_OK);
    CHECK_EQ_INT(put("t", b, sizeof b), OTA_OK);
    CHECK_EQ_INT(put("gone", a, 10), OTA_OK);
    memcpy(before, chip.mem, sizeof before);
    for (cut = 0; !done; cut++) {
        for (int n = 0; n < 16 * TEARS; n++, tries++) {
            int moved;

            memcpy(chip.mem, before, sizeof chip.mem);
            power_on();
            arm_cut(cut, n % TEARS, (uint32_t)n);
            done = ops.rename(&store, "t", "a") == OTA_OK &&
                   ops.remove(&store, "gone") == OTA_OK && !chip.dead;
            power_on();
            moved = has("a", b, sizeof b);
            CHECK(moved || has("a", a, sizeof a));
            CHECK_EQ_INT(ops.stat(&store, "t", &st), moved ? OTA_ERR_NOT_FOUND : OTA_OK);
            if (!moved)
                CHECK(has("t", b, sizeof b));
            if (ops.stat(&store, "gone", &st) == OTA_OK)
                CHECK(has("gone", a, 10));
        }
    }
    CHECK(cut >= 3 && tries > 0);
}

/* ---- updates through the engine, with power cuts --------------------------- */

static struct sim sim;
static uint8_t sim_arena[64u << 10];
static char sim_text[256u << 10];
static struct ota_port port;
static struct ota_ctx ctx;
static uint8_t work[OTA_MIN_BUFFER];
static const struct sim_repo repo = {"http://api.sim", "http://raw.sim", "acme", "app"};
static const struct ota_settings settings = {
    .owner = "acme", .repo = "app", .channel = OTA_CHANNEL_DEVELOPER, .branch = "main",
    .api_url = "http://api.sim", .raw_url = "http://raw.sim", .retries = 1,
};

/* The port's user is the simulator (its network and hashes); the
 * filesystem is the store. */
static int t_open(void *u, const char *p, enum ota_open_mode m)
{
    (void)u;
    return ops.open(&store, p, m);
}
static long t_read(void *u, int h, void *b, size_t n)
{
    (void)u;
    return ops.read(&store, h, b, n);
}
static int t_write(void *u, int h, const void *b, size_t n)
{
    (void)u;
    return ops.write(&store, h, b, n);
}
static int t_seek(void *u, int h, uint64_t o)
{
    (void)u;
    return ops.seek(&store, h, o);
}
static int t_sync(void *u, int h)
{
    (void)u;
    return ops.sync(&store, h);
}
static int t_close(void *u, int h)
{
    (void)u;
    return ops.close(&store, h);
}
static int t_rename(void *u, const char *a, const char *b)
{
    (void)u;
    return ops.rename(&store, a, b);
}
static int t_remove(void *u, const char *p)
{
    (void)u;
    return ops.remove(&store, p);
}
static int t_mkdir(void *u, const char *p)
{
    (void)u;
    return ops.mkdir(&store, p);
}
static int t_stat(void *u, const char *p, struct ota_stat *st)
{
    (void)u;
    return ops.stat(&store, p, st);
}
static int t_sync_dir(void *u, const char *p)
{
    (void)u;
    return ops.sync_dir(&store, p);
}
static int t_list(void *u, const char *p, ota_list_cb cb, void *arg)
{
    (void)u;
    return ops.list(&store, p, cb, arg);
}

static const struct ota_fs_ops store_via_sim = {t_open, t_read, t_write, t_seek, t_sync,
                                                t_close, t_rename, t_remove, t_mkdir,
                                                t_stat, t_sync_dir, t_list};

#define V1_FILES 4
#define V2_FILES 5
static uint8_t main1[3000], main2[2900], util[700], http[5000], fresh[300], boot[40];
static struct sim_file v1[V1_FILES] = {
    {"main.py", main1, sizeof main1}, {"lib/util.py", util, sizeof util},
    {"lib/net/http.py", http, sizeof http}, {"boot.py", boot, sizeof boot}};
static struct sim_file v2[V2_FILES] = {
    {"main.py", main2, sizeof main2}, {"lib/net/http.py", http, sizeof http},
    {"lib/new.py", fresh, sizeof fresh}, {"boot.py", boot, sizeof boot},
    {"data/cfg.json", "{}", 2}};

static int count_app_files(const char *dir);

struct walk {
    char dir[FS_PATH_MAX];
    int count;
};

static int walk_entry(void *arg, const char *name, int is_dir)
{
    struct walk *w = arg;
    char path[FS_PATH_MAX];

    strcpy(path, w->dir);
    if (path[0])
        strcat(path, "/");
    strcat(path, name);
    if (!w->dir[0] && (name[0] == '.' || strcmp(name, "version.json") == 0 ||
                       strcmp(name, "ota_error.json") == 0))
        return 0;
    w->count += is_dir ? count_app_files(path) : 1;
    return 0;
}

static int count_app_files(const char *dir)
{
    struct walk w;

    strcpy(w.dir, dir);
    w.count = 0;
    return ops.list(&store, dir, walk_entry, &w) == OTA_OK ? w.count : -1;
}

/* Whether the device is exactly this version: its files, with their
 * contents, no other application file (the engine's own are skipped), and
 * version.json names its commit. */
static int is_version(const struct sim_file *files, int n, const char *commit)
{
    struct ota_result installed;

    for (int i = 0; i < n; i++)
        if (!has(files[i].path, files[i].data, files[i].size))
            return 0;
    return count_app_files("") == n && ota_installed(&ctx, &installed) == OTA_OK &&
           strcmp(installed.installed_commit, commit) == 0;
}

static int engine_start(void)
{
    int err = ota_init(&ctx, &port, &settings, work, sizeof work);

    return err == OTA_OK ? ota_boot(&ctx) : err;
}

static void test_updates(void)
{
    static uint8_t v1_image[FLASH_SIZE];
    struct ota_result res;
    char commit1[41], commit2[41];
    long cut, clean_ops = -1;
    int old_seen = 0, new_seen = 0, err;

    fill(main1, sizeof main1, 2);
    fill(main2, sizeof main2, 3);
    fill(util, sizeof util, 4);
    fill(http, sizeof http, 5);
    fill(fresh, sizeof fresh, 6);
    memcpy(boot, "import main  # runs the application\n\n\n\n", sizeof boot);
    sim_init(&sim, sim_arena, sizeof sim_arena, sim_text, sizeof sim_text, &port);
    port.fs = store_via_sim;

    memset(chip.mem, 0xff, sizeof chip.mem);
    power_on();
    CHECK_EQ_INT(sim_repo_publish(&sim.http, &repo, "main", "v1", v1, V1_FILES, commit1),
                 OTA_OK);
    CHECK_EQ_INT(engine_start(), OTA_OK);
    CHECK_EQ_INT(ota_update(&ctx, &res), OTA_OK);
    CHECK(res.installed);
    CHECK(is_version(v1, V1_FILES, commit1));
    memcpy(v1_image, chip.mem, sizeof v1_image);
    CHECK_EQ_INT(sim_repo_publish(&sim.http, &repo, "main", "v2", v2, V2_FILES, commit2),
                 OTA_OK);

    /* cut the power at every flash operation of the update to v2 */
    for (cut = 0; clean_ops < 0; cut++) {
        memcpy(chip.mem, v1_image, sizeof chip.mem);
        power_on();
        CHECK_EQ_INT(engine_start(), OTA_OK);
        arm_cut(cut, (int)(cut % TEARS), (uint32_t)cut);
        err = ota_update(&ctx, &res);
        if (!chip.dead) { /* no operation left to cut */
            CHECK_EQ_INT(err, OTA_OK);
            clean_ops = chip.ops;
            CHECK(is_version(v2, V2_FILES, commit2));
            break;
        }
        power_on(); /* the reboot */
        CHECK_EQ_INT(engine_start(), OTA_OK);
        if (is_version(v1, V1_FILES, commit1))
            old_seen++;
        else if (is_version(v2, V2_FILES, commit2))
            new_seen++;
        else
            CHECK(!"the device is neither exactly v1 nor exactly v2");
        CHECK_EQ_INT(ota_update(&ctx, &res), OTA_OK);
        CHECK(is_version(v2, V2_FILES, commit2));
    }
    printf("power cut at each of %ld flash operations: %d times old, %d times new\n",
           clean_ops, old_seen, new_seen);
    CHECK(clean_ops > 20 && old_seen > 0 && new_seen > 0);
}

int main(void)
{
    file_store_ops(&ops);
    test_files();
    test_atomic_rename();
    test_updates();
    TEST_MAIN_END();
}
