#include "file_store.h"

#include <string.h>

#define FS_MAGIC 0x4f544131u /* "OTA1" */

enum { FS_FREE = 0, FS_FILE = 1, FS_DIR = 2 };
enum { REC_CREATE_FILE = 1, REC_CREATE_DIR = 2, REC_SIZE = 3, REC_RENAME = 4 };

/* One record: one flash page. */
struct fs_record {
    uint32_t magic;
    uint32_t seq;
    uint32_t size;
    uint8_t type;
    uint8_t pad[3];
    char path[FS_PATH_MAX];
    uint32_t crc; /* of everything before it */
};

typedef char fs_record_fits_a_page[sizeof(struct fs_record) <= FLASH_PAGE ? 1 : -1];

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* ---- where things are ------------------------------------------------------ */

static int is_file_slot(uint32_t i)
{
    return i >= FS_DIR_SLOTS;
}

static uint32_t slot_offset(uint32_t i)
{
    if (!is_file_slot(i))
        return i * FLASH_SECTOR;
    return FS_DIR_SLOTS * FLASH_SECTOR + (i - FS_DIR_SLOTS) * FS_SLOT_SECTORS * FLASH_SECTOR;
}

static uint32_t slot_sectors(uint32_t i)
{
    return is_file_slot(i) ? FS_SLOT_SECTORS : 1u;
}

static const struct fs_record *record(const struct file_store *fs, uint32_t slot, uint32_t r)
{
    return (const struct fs_record *)(const void *)(fs->flash->base + slot_offset(slot) +
                                                    r * FLASH_PAGE);
}

static const uint8_t *data(const struct file_store *fs, uint32_t slot)
{
    return fs->flash->base + slot_offset(slot) + FLASH_SECTOR;
}

static const char *path_of(const struct file_store *fs, uint32_t slot)
{
    return record(fs, slot, fs->slot[slot].name_rec)->path;
}

static int blank(const uint8_t *p, size_t n)
{
    while (n--)
        if (*p++ != 0xff)
            return 0;
    return 1;
}

static int record_valid(const struct fs_record *r)
{
    return r->magic == FS_MAGIC &&
           r->crc == crc32((const uint8_t *)r, offsetof(struct fs_record, crc));
}

/* ---- writing records ------------------------------------------------------- */

static int program(struct file_store *fs, uint32_t offset, const void *p, size_t n)
{
    return fs->flash->program(fs->flash->arg, offset, p, n);
}

/* Appends a record to the slot: one page program, durable on return. */
static int append(struct file_store *fs, uint32_t slot, uint8_t type, uint32_t size,
                  const char *path)
{
    struct fs_slot *s = &fs->slot[slot];
    struct fs_record r;
    int err;

    if (s->next_rec >= FS_RECORDS)
        return OTA_ERR_NO_SPACE;
    memset(&r, 0, sizeof r);
    r.magic = FS_MAGIC;
    r.seq = fs->seq++;
    r.size = size;
    r.type = type;
    if (path)
        memcpy(r.path, path, strlen(path) + 1);
    r.crc = crc32((const uint8_t *)&r, offsetof(struct fs_record, crc));
    err = program(fs, slot_offset(slot) + s->next_rec * FLASH_PAGE, &r, sizeof r);
    s->next_rec++;
    if (err != OTA_OK)
        return err;
    if (type == REC_SIZE) {
        s->size = size;
    } else {
        s->seq = r.seq;
        s->name_rec = (uint8_t)(s->next_rec - 1u);
    }
    return OTA_OK;
}

/* Zeroes record 0's magic: the entry is gone, whatever a power cut leaves. */
static int kill(struct file_store *fs, uint32_t slot)
{
    static const uint32_t zero = 0;

    fs->slot[slot].kind = FS_FREE;
    return program(fs, slot_offset(slot), &zero, sizeof zero);
}

/* ---- reading the slots at mount ------------------------------------------- */

static void load_slot(struct file_store *fs, uint32_t i)
{
    struct fs_slot *s = &fs->slot[i];
    const struct fs_record *first = record(fs, i, 0);

    memset(s, 0, sizeof *s);
    for (uint32_t r = 0; r < FS_RECORDS; r++)
        if (!blank((const uint8_t *)record(fs, i, r), FLASH_PAGE))
            s->next_rec = (uint8_t)(r + 1u);
    if (!record_valid(first) ||
        (first->type != REC_CREATE_FILE && first->type != REC_CREATE_DIR))
        return;
    s->kind = first->type == REC_CREATE_DIR ? FS_DIR : FS_FILE;
    s->seq = first->seq;
    for (uint32_t r = 1; r < s->next_rec; r++) {
        const struct fs_record *rec = record(fs, i, r);

        if (!record_valid(rec))
            continue; /* torn by a power cut: never happened */
        if (rec->type == REC_SIZE && rec->size <= FS_FILE_MAX)
            s->size = rec->size;
        if (rec->type == REC_RENAME) {
            s->seq = rec->seq;
            s->name_rec = (uint8_t)r;
        }
    }
    for (uint32_t r = 0; r < s->next_rec; r++)
        if (record_valid(record(fs, i, r)) && record(fs, i, r)->seq >= fs->seq)
            fs->seq = record(fs, i, r)->seq + 1u;
}

/* The live slot named path, or -1. */
static int find(const struct file_store *fs, const char *path)
{
    for (uint32_t i = 0; i < fs->slots; i++)
        if (fs->slot[i].kind != FS_FREE && strcmp(path_of(fs, i), path) == 0)
            return (int)i;
    return -1;
}

/* A power cut between a rename or a rewrite and the kill of the entry it
 * replaced leaves two entries with one path: the older one goes. */
static int kill_shadowed(struct file_store *fs)
{
    for (uint32_t i = 0; i < fs->slots; i++) {
        for (uint32_t j = i + 1u; j < fs->slots; j++) {
            int err;

            if (fs->slot[i].kind == FS_FREE || fs->slot[j].kind == FS_FREE ||
                strcmp(path_of(fs, i), path_of(fs, j)) != 0)
                continue;
            err = kill(fs, fs->slot[i].seq < fs->slot[j].seq ? i : j);
            if (err != OTA_OK)
                return err;
        }
    }
    return OTA_OK;
}

int file_store_mount(struct file_store *fs, const struct flash *flash)
{
    uint32_t dirs = FS_DIR_SLOTS * FLASH_SECTOR;

    memset(fs, 0, sizeof *fs);
    fs->flash = flash;
    if (flash->size < dirs)
        return OTA_ERR_INVALID_ARG;
    fs->slots = FS_DIR_SLOTS + (flash->size - dirs) / (FS_SLOT_SECTORS * FLASH_SECTOR);
    if (fs->slots > FS_SLOTS_MAX)
        fs->slots = FS_SLOTS_MAX;
    for (uint32_t i = 0; i < fs->slots; i++)
        load_slot(fs, i);
    return kill_shadowed(fs);
}

/* ---- paths ---------------------------------------------------------------- */

/* Whether path's parent directory exists ("" is the root). */
static int parent_exists(const struct file_store *fs, const char *path)
{
    const char *slash = strrchr(path, '/');
    char parent[FS_PATH_MAX];
    int i;

    if (!slash)
        return 1;
    memcpy(parent, path, (size_t)(slash - path));
    parent[slash - path] = '\0';
    i = find(fs, parent);
    return i >= 0 && fs->slot[i].kind == FS_DIR;
}

static int check_path(const char *path)
{
    size_t n = strlen(path);

    if (n == 0)
        return OTA_ERR_INVALID_ARG;
    return n < FS_PATH_MAX ? OTA_OK : OTA_ERR_PATH_TOO_LONG;
}

/* Whether a handle still reads the slot (killed under it by a rewrite). */
static int is_open(const struct file_store *fs, uint32_t slot)
{
    for (uint32_t h = 0; h < FS_HANDLES; h++)
        if (fs->handle[h].used && fs->handle[h].slot == slot)
            return 1;
    return 0;
}

/* A free slot of the kind, erased. */
static int allocate(struct file_store *fs, int want_file, uint32_t *out)
{
    for (uint32_t n = 0; n < fs->slots; n++) {
        uint32_t i = (fs->next_alloc + n) % fs->slots;
        uint32_t size = slot_sectors(i) * FLASH_SECTOR;

        if (fs->slot[i].kind != FS_FREE || is_file_slot(i) != want_file || is_open(fs, i))
            continue;
        fs->next_alloc = i + 1u;
        if (!blank(fs->flash->base + slot_offset(i), size)) {
            for (uint32_t s = 0; s < slot_sectors(i); s++) {
                int err = fs->flash->erase(fs->flash->arg, slot_offset(i) + s * FLASH_SECTOR);
                if (err != OTA_OK)
                    return err;
            }
        }
        memset(&fs->slot[i], 0, sizeof fs->slot[i]);
        *out = i;
        return OTA_OK;
    }
    return OTA_ERR_NO_SPACE;
}

/* Creates an entry; an older one of the same path is killed once the new
 * one is on flash. */
static int create(struct file_store *fs, const char *path, int is_dir, uint32_t *out)
{
    int old = find(fs, path);
    int err = allocate(fs, !is_dir, out);

    if (err == OTA_OK)
        err = append(fs, *out, is_dir ? REC_CREATE_DIR : REC_CREATE_FILE, 0, path);
    if (err != OTA_OK)
        return err;
    fs->slot[*out].kind = is_dir ? FS_DIR : FS_FILE;
    return old >= 0 ? kill(fs, (uint32_t)old) : OTA_OK;
}

/* ---- open files ----------------------------------------------------------- */

static struct fs_handle *handle(struct file_store *fs, int h)
{
    if (h < 0 || h >= (int)FS_HANDLES || !fs->handle[h].used)
        return NULL;
    return &fs->handle[h];
}

/* Programs bytes [0, fill) of the data page at page_start, less those
 * already on flash (a sync wrote them): programmed bytes are never touched
 * again, so a power cut cannot damage what a sync made durable. */
static int program_page(struct file_store *fs, struct fs_handle *f, uint32_t page_start,
                        uint32_t fill)
{
    uint32_t size = fs->slot[f->slot].size;
    uint32_t done = size > page_start ? size - page_start : 0;

    if (fill <= done)
        return OTA_OK;
    return program(fs, slot_offset(f->slot) + FLASH_SECTOR + page_start + done,
                   f->page + done, fill - done);
}

static int fs_open(void *user, const char *path, enum ota_open_mode mode)
{
    struct file_store *fs = user;
    uint32_t h, slot;
    int i, err = check_path(path);

    if (err != OTA_OK)
        return err;
    for (h = 0; h < FS_HANDLES && fs->handle[h].used; h++) {
    }
    if (h == FS_HANDLES)
        return OTA_ERR_NO_MEM;
    if (mode == OTA_OPEN_WRITE) {
        i = find(fs, path);
        if ((i >= 0 && fs->slot[i].kind == FS_DIR) || !parent_exists(fs, path))
            return i >= 0 ? OTA_ERR_IO : OTA_ERR_NOT_FOUND;
        err = create(fs, path, 0, &slot);
        if (err != OTA_OK)
            return err;
    } else {
        i = find(fs, path);
        if (i < 0)
            return OTA_ERR_NOT_FOUND;
        if (fs->slot[i].kind != FS_FILE)
            return OTA_ERR_IO;
        slot = (uint32_t)i;
    }
    memset(&fs->handle[h], 0, sizeof fs->handle[h]);
    fs->handle[h].used = 1;
    fs->handle[h].writing = mode == OTA_OPEN_WRITE;
    fs->handle[h].slot = (uint16_t)slot;
    memset(fs->handle[h].page, 0xff, FLASH_PAGE);
    return (int)h;
}

static long fs_read(void *user, int h, void *buf, size_t len)
{
    struct file_store *fs = user;
    struct fs_handle *f = handle(fs, h);
    uint32_t size;

    if (!f || f->writing)
        return OTA_ERR_INVALID_ARG;
    size = fs->slot[f->slot].size;
    if (f->pos >= size)
        return 0;
    if (len > size - f->pos)
        len = size - f->pos;
    memcpy(buf, data(fs, f->slot) + f->pos, len);
    f->pos += (uint32_t)len;
    return (long)len;
}

static int fs_write(void *user, int h, const void *buf, size_t len)
{
    struct file_store *fs = user;
    struct fs_handle *f = handle(fs, h);
    const uint8_t *p = buf;

    if (!f || !f->writing)
        return OTA_ERR_INVALID_ARG;
    if (len > FS_FILE_MAX - f->pos)
        return OTA_ERR_NO_SPACE;
    while (len > 0) {
        uint32_t at = f->pos % FLASH_PAGE;
        uint32_t n = FLASH_PAGE - at < len ? FLASH_PAGE - at : (uint32_t)len;

        memcpy(f->page + at, p, n);
        f->pos += n;
        p += n;
        len -= n;
        if (f->pos % FLASH_PAGE == 0) { /* full: out it goes, the next one starts */
            int err = program_page(fs, f, f->pos - FLASH_PAGE, FLASH_PAGE);
            if (err != OTA_OK)
                return err;
            memset(f->page, 0xff, FLASH_PAGE);
        }
    }
    return OTA_OK;
}

static int fs_seek(void *user, int h, uint64_t offset)
{
    struct fs_handle *f = handle(user, h);

    if (!f || f->writing)
        return OTA_ERR_INVALID_ARG;
    f->pos = offset < FS_FILE_MAX ? (uint32_t)offset : FS_FILE_MAX;
    return OTA_OK;
}

/* The data, then the size record that makes it count. */
static int fs_sync(void *user, int h)
{
    struct file_store *fs = user;
    struct fs_handle *f = handle(fs, h);
    int err;

    if (!f)
        return OTA_ERR_INVALID_ARG;
    if (!f->writing || f->pos == fs->slot[f->slot].size)
        return OTA_OK;
    err = program_page(fs, f, f->pos - f->pos % FLASH_PAGE, f->pos % FLASH_PAGE);
    return err == OTA_OK ? append(fs, f->slot, REC_SIZE, f->pos, NULL) : err;
}

/* Closing a written file syncs it: reads through another handle, and after
 * a reboot, see what was written. */
static int fs_close(void *user, int h)
{
    struct file_store *fs = user;
    struct fs_handle *f = handle(fs, h);
    int err;

    if (!f)
        return OTA_ERR_INVALID_ARG;
    err = fs_sync(user, h);
    f->used = 0;
    return err;
}

static int fs_rename(void *user, const char *from, const char *to)
{
    struct file_store *fs = user;
    int src = find(fs, from), dst = find(fs, to);
    int err = check_path(to);

    if (err != OTA_OK)
        return err;
    if (src < 0)
        return OTA_ERR_NOT_FOUND;
    if (fs->slot[src].kind != FS_FILE || (dst >= 0 && fs->slot[dst].kind != FS_FILE))
        return OTA_ERR_UNSUPPORTED; /* the engine renames files only */
    if (!parent_exists(fs, to))
        return OTA_ERR_NOT_FOUND;
    if (src == dst)
        return OTA_OK;
    err = append(fs, (uint32_t)src, REC_RENAME, 0, to);
    return err == OTA_OK && dst >= 0 ? kill(fs, (uint32_t)dst) : err;
}

static int has_children(const struct file_store *fs, const char *dir)
{
    size_t n = strlen(dir);

    for (uint32_t i = 0; i < fs->slots; i++) {
        const char *p = path_of(fs, i);

        if (fs->slot[i].kind != FS_FREE && strncmp(p, dir, n) == 0 && p[n] == '/')
            return 1;
    }
    return 0;
}

static int fs_remove(void *user, const char *path)
{
    struct file_store *fs = user;
    int i = find(fs, path);

    if (i < 0)
        return OTA_ERR_NOT_FOUND;
    if (fs->slot[i].kind == FS_DIR && has_children(fs, path))
        return OTA_ERR_IO;
    if (is_open(fs, (uint32_t)i))
        return OTA_ERR_IO;
    return kill(fs, (uint32_t)i);
}

static int fs_mkdir(void *user, const char *path)
{
    struct file_store *fs = user;
    uint32_t slot;
    int i = find(fs, path), err = check_path(path);

    if (err != OTA_OK)
        return err;
    if (i >= 0)
        return fs->slot[i].kind == FS_DIR ? OTA_OK : OTA_ERR_IO;
    if (!parent_exists(fs, path))
        return OTA_ERR_NOT_FOUND;
    return create(fs, path, 1, &slot);
}

static int fs_stat(void *user, const char *path, struct ota_stat *st)
{
    struct file_store *fs = user;
    int i = path[0] ? find(fs, path) : -2;

    if (i == -1)
        return OTA_ERR_NOT_FOUND;
    st->is_dir = i == -2 || fs->slot[i].kind == FS_DIR;
    st->size = i == -2 ? 0 : fs->slot[i].size;
    for (uint32_t h = 0; i >= 0 && h < FS_HANDLES; h++)
        if (fs->handle[h].used && fs->handle[h].writing && fs->handle[h].slot == (uint32_t)i)
            st->size = fs->handle[h].pos;
    return OTA_OK;
}

static int fs_sync_dir(void *user, const char *path)
{
    (void)user;
    (void)path;
    return OTA_OK; /* every change was durable when its call returned */
}

static int fs_list(void *user, const char *path, ota_list_cb cb, void *arg)
{
    struct file_store *fs = user;
    size_t n = strlen(path);
    int dir = n ? find(fs, path) : -2;

    if (dir == -1)
        return OTA_ERR_NOT_FOUND;
    if (dir >= 0 && fs->slot[dir].kind != FS_DIR)
        return OTA_ERR_IO;
    /* a callback may remove the entry it is given: the scan goes on */
    for (uint32_t i = 0; i < fs->slots; i++) {
        const char *p;

        if (fs->slot[i].kind == FS_FREE)
            continue;
        p = path_of(fs, i);
        if (n && (strncmp(p, path, n) != 0 || p[n] != '/'))
            continue;
        p += n ? n + 1u : 0u;
        if (strchr(p, '/'))
            continue; /* deeper down */
        if (cb(arg, p, fs->slot[i].kind == FS_DIR))
            break;
    }
    return OTA_OK;
}

void file_store_ops(struct ota_fs_ops *ops)
{
    static const struct ota_fs_ops table = {
        .open = fs_open, .read = fs_read, .write = fs_write, .seek = fs_seek,
        .sync = fs_sync, .close = fs_close, .rename = fs_rename, .remove = fs_remove,
        .mkdir = fs_mkdir, .stat = fs_stat, .sync_dir = fs_sync_dir, .list = fs_list,
    };

    *ops = table;
}
