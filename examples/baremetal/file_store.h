/* A small power-safe file store on raw NOR flash, enough for the engine's
 * filesystem port (struct ota_fs_ops) and for nothing fancier: a production
 * firmware would rather use littlefs, whose guarantees meet the engine's crash
 * model the same way (see docs/porting.md).
 *
 * Fixed slots. The region is cut into directory slots (one sector each) and
 * file slots (FS_SLOT_SECTORS sectors: the first holds records, the rest the
 * data, so a file holds at most FS_FILE_MAX bytes). The first sector of a slot
 * is 16 one-page records: record 0 creates the entry (its kind and path), the
 * later ones set a file's durable size (sync) or give the entry a new path
 * (rename). Every record carries a store-wide sequence number and a CRC, so
 * a record torn by a power cut does not count: each change is one page
 * program, which either happened or did not.
 *
 * An entry is live while record 0 is intact. Two live entries with one path
 * can exist only for an instant (a rename over an existing file, a file
 * rewritten): the higher sequence number wins, and the loser is killed by
 * zeroing its record 0's magic (a program, so any partial result is dead
 * too) right away or, after a power cut, at mount. Dead slots are erased when
 * they are allocated again. Every change is durable when its call returns, so
 * directory syncs have nothing left to do. */
#ifndef BAREMETAL_FILE_STORE_H
#define BAREMETAL_FILE_STORE_H

#include <stdint.h>

#include "flash.h"
#include "ota/ota_port.h"

#ifndef FS_SLOT_SECTORS
#define FS_SLOT_SECTORS 4u /* a file slot: 16 KiB, of which 12 KiB data */
#endif
#ifndef FS_DIR_SLOTS
#define FS_DIR_SLOTS 24u
#endif
#ifndef FS_SLOTS_MAX
#define FS_SLOTS_MAX 96u
#endif
#ifndef FS_HANDLES
#define FS_HANDLES 4u /* files open at once (the engine needs 3) */
#endif
#define FS_FILE_MAX ((FS_SLOT_SECTORS - 1u) * FLASH_SECTOR)
#define FS_PATH_MAX 224u /* longest path, including the NUL */
#define FS_RECORDS (FLASH_SECTOR / FLASH_PAGE)

/* What RAM keeps of a slot (rebuilt from flash at mount). */
struct fs_slot {
    uint32_t seq;      /* sequence number of the record that named it */
    uint32_t size;     /* durable size of a file */
    uint8_t kind;      /* FS_FREE, FS_FILE or FS_DIR */
    uint8_t name_rec;  /* the record holding the current path */
    uint8_t next_rec;  /* the first record page never written */
    uint8_t pad;
};

struct fs_handle {
    uint8_t used;
    uint8_t writing;
    uint16_t slot;
    uint32_t pos;      /* read position, or bytes written */
    uint8_t page[FLASH_PAGE]; /* the data page being written */
};

struct file_store {
    const struct flash *flash;
    uint32_t seq;        /* the next sequence number */
    uint32_t slots;      /* directory slots first, then file slots */
    uint32_t next_alloc; /* allocation goes round, to spread the wear */
    struct fs_slot slot[FS_SLOTS_MAX];
    struct fs_handle handle[FS_HANDLES];
};

/* Reads the slots' records, kills what a power cut left shadowed. A blank
 * (erased) region is an empty store. 0 or a negative ota_err. */
int file_store_mount(struct file_store *fs, const struct flash *flash);

/* The store as the engine's filesystem (user = the struct file_store). */
void file_store_ops(struct ota_fs_ops *ops);

#endif
