#include "revert.h"

#include <string.h>

#include "backup.h"
#include "fsutil.h"
#include "hex.h"
#include "lines.h"
#include "log.h"
#include "plan.h"
#include "state.h"
#include "strbuf.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)

#define WHY_MAX 16
#define UNDO_MAX (8 + OTA_SHA1_HEX + WHY_MAX)

/* The undo record: "<phase> <had state> <had version> <commit> <why>\n".
 * Whether the previous version had a .ota_state and a version.json is
 * settled at the start: once their kept copies are moved back, absence
 * no longer tells. */
struct undo {
    char phase; /* '1' or '2' */
    int had_state;
    int had_version;
    char commit[OTA_SHA1_HEX]; /* the version being left */
    char why[WHY_MAX];
};

static int undo_write(struct ota_ctx *ctx, const struct undo *u)
{
    char path[OTA_PATH_MAX + 64], text[UNDO_MAX];
    struct ota_strbuf sb;
    int err = ota_backup_path(ctx, path, sizeof path, OTA_BACKUP_UNDO);

    ota_sb_init(&sb, text, sizeof text);
    ota_sb_addc(&sb, u->phase);
    ota_sb_add(&sb, u->had_state ? " 1 " : " 0 ");
    ota_sb_add(&sb, u->had_version ? "1 " : "0 ");
    ota_sb_add(&sb, u->commit[0] ? u->commit : "-");
    ota_sb_addc(&sb, ' ');
    ota_sb_add(&sb, u->why);
    ota_sb_addc(&sb, '\n');
    return err == OTA_OK ? ota_write_atomic(ctx, path, text, sb.len) : err;
}

static int undo_parse(struct undo *u, const char *t, size_t n)
{
    const char *commit = t + 6, *space;

    if (n < 9 || t[n - 1] != '\n' || (t[0] != '1' && t[0] != '2') || t[1] != ' ' ||
        (t[2] != '0' && t[2] != '1') || t[3] != ' ' || (t[4] != '0' && t[4] != '1') ||
        t[5] != ' ')
        return OTA_ERR_STATE;
    space = memchr(commit, ' ', n - 6);
    if (!space || space[1] == '\n' || (size_t)(t + n - 1 - (space + 1)) >= WHY_MAX)
        return OTA_ERR_STATE;
    if (!(space - commit == 1 && commit[0] == '-') &&
        !(space - commit == 40 && ota_hex_is_sha1(commit, 40)))
        return OTA_ERR_STATE;
    u->phase = t[0];
    u->had_state = t[2] == '1';
    u->had_version = t[4] == '1';
    memset(u->commit, 0, sizeof u->commit);
    if (space - commit == 40)
        memcpy(u->commit, commit, 40);
    memcpy(u->why, space + 1, (size_t)(t + n - 1 - (space + 1)));
    u->why[t + n - 1 - (space + 1)] = '\0';
    return OTA_OK;
}

/* 1 with *u filled, 0 when no revert is under way, or an error. */
static int undo_read(struct ota_ctx *ctx, struct undo *u)
{
    char path[OTA_PATH_MAX + 64], text[UNDO_MAX + 1];
    int err = ota_backup_path(ctx, path, sizeof path, OTA_BACKUP_UNDO);
    long n = err == OTA_OK ? ota_read_small(ctx, path, text, sizeof text) : err;

    if (n == OTA_ERR_NOT_FOUND)
        return 0;
    if (n < 0)
        return (int)n;
    /* written atomically: anything else is not ours, and not guessed at */
    if (n > UNDO_MAX || undo_parse(u, text, (size_t)n) != OTA_OK)
        return ota_fail(ctx, OTA_ERR_STATE, "corrupt revert record ", path, NULL);
    return 1;
}

/* 1 when a file of path's is kept (in kept), 0 when not. A directory there
 * holds files kept from under path, when the install made a directory a
 * file: that is not a copy of path. */
static int kept_copy(struct ota_ctx *ctx, const char *path, char *kept, size_t cap)
{
    struct ota_stat st;
    int err = ota_backup_file(ctx, kept, cap, path);

    if (err == OTA_OK)
        err = FS->stat(USER, kept, &st);
    if (err == OTA_ERR_NOT_FOUND)
        return 0;
    return err == OTA_OK ? !st.is_dir : err;
}

/* Phase 1, for one fetched path with nothing kept: the install added it.
 * A directory there is not the install's file: left alone. */
static int remove_added(struct ota_ctx *ctx, const char *path)
{
    struct ota_stat st;
    int err = FS->stat(USER, path, &st);

    if (err == OTA_OK && st.is_dir)
        return OTA_OK;
    if (err == OTA_OK)
        err = FS->remove(USER, path);
    if (err == OTA_OK)
        err = ota_sync_parent(ctx, path);
    /* also when an interrupted run removed the file but not its parents */
    if (err == OTA_ERR_NOT_FOUND)
        err = OTA_OK;
    return err == OTA_OK ? ota_prune_empty_parents(ctx, path) : err;
}

/* A directory where a kept file goes back: removed when empty; otherwise it
 * holds files someone made meanwhile, which are moved aside to
 * "<path>.displaced", not lost. */
static int clear_way(struct ota_ctx *ctx, const char *path)
{
    char aside[OTA_PATH_MAX + 16];
    struct ota_stat st;
    int err = FS->stat(USER, path, &st);

    if (err == OTA_ERR_NOT_FOUND || (err == OTA_OK && !st.is_dir))
        return OTA_OK; /* a file is replaced by the rename itself */
    if (err == OTA_OK && FS->remove(USER, path) == OTA_OK)
        return ota_sync_parent(ctx, path);
    if (err == OTA_OK)
        err = ota_join(aside, sizeof aside - 10, "", path);
    if (err != OTA_OK)
        return err;
    strcat(aside, ".displaced");
    ota_log(ctx, OTA_LOG_WARN, "revert: moving unknown files aside to ", aside, NULL);
    return ota_move(ctx, path, aside);
}

/* Phase 2, for one planned path: its kept copy goes back, unless an
 * earlier, interrupted run already moved it. */
static int restore_kept(struct ota_ctx *ctx, const char *path)
{
    char kept[OTA_PATH_MAX + 64];
    int have = kept_copy(ctx, path, kept, sizeof kept);
    int err;

    if (have <= 0)
        return have;
    err = clear_way(ctx, path);
    if (err == OTA_OK)
        err = ota_mkdirs_for(ctx, path);
    return err == OTA_OK ? ota_move(ctx, kept, path) : err;
}

/* One pass over the backup's plan: phase 1 visits the fetched paths with
 * nothing kept, phase 2 every path with something kept. */
static int revert_pass(struct ota_ctx *ctx, char phase)
{
    char kept[OTA_PATH_MAX + 64];
    struct ota_lines plan;
    char *line;
    size_t len;
    int r, err = ota_backup_path(ctx, kept, sizeof kept, OTA_BACKUP_PLAN);

    if (err == OTA_OK)
        err = ota_lines_open(&plan, ctx, kept, ctx->lines_buf, ctx->lines_size);
    if (err != OTA_OK)
        return err;
    while ((r = ota_lines_next(&plan, &line, &len)) == 1) {
        if (len < 2 || (line[0] != OTA_PLAN_FETCH && line[0] != OTA_PLAN_DELETE))
            continue;
        if (ota_entry_parse(line + 2, len - 2, &ctx->entry) != OTA_OK) {
            r = ota_fail(ctx, OTA_ERR_STATE, "corrupt plan line in the backup", NULL, NULL);
            break;
        }
        r = OTA_OK;
        if (phase == '2') {
            r = restore_kept(ctx, ctx->entry.path);
        } else if (line[0] == OTA_PLAN_FETCH) {
            r = kept_copy(ctx, ctx->entry.path, kept, sizeof kept);
            r = r == 0 ? remove_added(ctx, ctx->entry.path) : r < 0 ? r : OTA_OK;
        }
        if (r != OTA_OK)
            break;
    }
    ota_lines_close(&plan);
    return r < 0 ? r : OTA_OK;
}

/* 1 when the backup keeps name as a file, 0 when it has none; a directory
 * there was not made by an install: OTA_ERR_STATE. */
static int kept_file(struct ota_ctx *ctx, const char *name)
{
    char path[OTA_PATH_MAX + 64];
    struct ota_stat st;
    int err = ota_backup_path(ctx, path, sizeof path, name);

    if (err == OTA_OK)
        err = FS->stat(USER, path, &st);
    if (err == OTA_ERR_NOT_FOUND)
        return 0;
    if (err == OTA_OK && st.is_dir)
        return ota_fail(ctx, OTA_ERR_STATE, "corrupt backup: ", path, " is a directory");
    return err == OTA_OK ? 1 : err;
}

/* .ota_state or version.json as the previous version had it: the kept copy
 * moved back, or, when it had none, the new version's removed. */
static int restore_file(struct ota_ctx *ctx, const char *name, int had, const char *file)
{
    char kept[OTA_PATH_MAX + 64];
    int err, have = kept_file(ctx, name);

    if (have < 0)
        return have;
    err = ota_backup_path(ctx, kept, sizeof kept, name);
    if (err != OTA_OK)
        return err;
    if (had)
        return have ? ota_move(ctx, kept, file) : OTA_OK;
    err = FS->remove(USER, file);
    if (err == OTA_ERR_NOT_FOUND)
        return OTA_OK;
    return err == OTA_OK ? ota_sync_parent(ctx, file) : err;
}

static int remember_reverted(struct ota_ctx *ctx, const struct undo *u)
{
    char text[OTA_SHA1_HEX + WHY_MAX + 2];
    struct ota_strbuf sb;

    if (!u->commit[0])
        return OTA_OK;
    ota_sb_init(&sb, text, sizeof text);
    ota_sb_add(&sb, u->commit);
    ota_sb_addc(&sb, ' ');
    ota_sb_add(&sb, u->why);
    ota_sb_addc(&sb, '\n');
    return ota_write_atomic(ctx, OTA_REVERTED_FILE, text, sb.len);
}

static void report_reverted(struct ota_ctx *ctx)
{
    struct ota_version v;
    struct ota_event ev;

    memset(&ev, 0, sizeof ev);
    (void)ota_version_read(ctx, &v);
    ev.type = OTA_EVENT_REVERTED;
    ev.commit = v.commit;
    ota_emit(ctx, &ev);
}

/* Runs the phases from the one recorded on. */
static int finish(struct ota_ctx *ctx, struct undo *u)
{
    int err = OTA_OK;

    if (u->phase == '1') {
        err = revert_pass(ctx, '1');
        u->phase = '2';
        if (err == OTA_OK)
            err = undo_write(ctx, u);
    }
    if (err == OTA_OK)
        err = revert_pass(ctx, '2');
    if (err == OTA_OK)
        err = restore_file(ctx, OTA_BACKUP_STATE, u->had_state, OTA_STATE_FILE);
    if (err == OTA_OK)
        err = restore_file(ctx, OTA_BACKUP_VERSION, u->had_version, OTA_VERSION_FILE);
    if (err == OTA_OK)
        err = remember_reverted(ctx, u);
    if (err == OTA_OK)
        err = ota_backup_drop(ctx);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "revert interrupted (", ota_strerror(err),
                        "); it completes at the next start");
    report_reverted(ctx);
    return OTA_OK;
}

/* A cut while the first undo record was being written leaves its
 * temporary copy: the revert never started. */
static int drop_unstarted(struct ota_ctx *ctx)
{
    char tmp[OTA_PATH_MAX + 64];
    int err = ota_backup_path(ctx, tmp, sizeof tmp, OTA_BACKUP_UNDO ".tmp");
    int have = err == OTA_OK ? ota_exists(ctx, tmp) : err;

    if (have <= 0)
        return have;
    err = FS->remove(USER, tmp);
    return err == OTA_OK ? ota_sync_parent(ctx, tmp) : err;
}

int ota_revert_resume(struct ota_ctx *ctx, int *resumed)
{
    struct undo u;
    int r = undo_read(ctx, &u);

    *resumed = r == 1;
    if (r == 0)
        return drop_unstarted(ctx);
    if (r < 0)
        return r;
    ota_log(ctx, OTA_LOG_WARN, "completing an interrupted revert", NULL, NULL);
    return finish(ctx, &u);
}

/* The version being left: its commit, and its rollback hook announced
 * while its files are still in place. */
static void announce(struct ota_ctx *ctx, struct undo *u)
{
    struct ota_version v;
    struct ota_event ev;

    (void)ota_version_read(ctx, &v);
    memcpy(u->commit, v.commit, sizeof u->commit);
    memset(&ev, 0, sizeof ev);
    ev.type = OTA_EVENT_REVERTING;
    ev.commit = v.commit;
    ev.path = v.rollback[0] ? v.rollback : NULL;
    ota_emit(ctx, &ev);
}

int ota_revert(struct ota_ctx *ctx, const char *why)
{
    struct undo u;
    int err = ota_backup_has(ctx, OTA_BACKUP_PLAN);

    if (err == 1)
        err = kept_file(ctx, OTA_BACKUP_VERSION);
    if (err == 0)
        return ota_fail(ctx, OTA_ERR_NO_BACKUP, "no previous version is kept", NULL, NULL);
    if (err < 0)
        return err;
    memset(&u, 0, sizeof u);
    u.phase = '1';
    u.had_version = 1;
    err = kept_file(ctx, OTA_BACKUP_STATE);
    if (err < 0)
        return err;
    u.had_state = err;
    if (ota_copy_str(u.why, sizeof u.why, why, strlen(why)) != OTA_OK)
        return OTA_ERR_INVALID_ARG;
    announce(ctx, &u);
    err = undo_write(ctx, &u);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "cannot start the revert", NULL, NULL);
    return finish(ctx, &u);
}

int ota_reverted_commit(struct ota_ctx *ctx, char out[OTA_SHA1_HEX])
{
    char text[OTA_SHA1_HEX];
    long n = ota_read_small(ctx, OTA_REVERTED_FILE, text, 40);

    out[0] = '\0';
    if (n == OTA_ERR_NOT_FOUND)
        return OTA_OK;
    if (n < 0)
        return (int)n;
    if (n == 40 && ota_hex_is_sha1(text, 40)) {
        memcpy(out, text, 40);
        out[40] = '\0';
    }
    return OTA_OK;
}
