/* Fuzz target: journal recovery (install.c) through ota_boot, on a device
 * laid out by the input. The input up to the first line "@ <path>" is the
 * commit record, .ota_stage/commit (none when the input starts with "@ ");
 * each "@ <path>" line starts a file with that path (a directory when it
 * ends in '/'), holding the lines up to the next "@ " line (the newline
 * before it excluded). So the stage's plan, state and files, the device's
 * own files and the backup are all arbitrary.
 *
 * Write W for what is under .ota_stage and .ota_backup (the transaction's own),
 * ota_error.json (where a failure is recorded) and their ".tmp" files.
 * The record is well formed when its first line is 40 lowercase hex
 * digits, a space and a ref of 1 to OTA_PATH_MAX - 1 bytes, and the plan
 * exists (.ota_stage/plan, or .ota_backup/plan where a finished swap moved
 * it): recovery may complete a swap only then. Checked
 * after ota_boot, run twice as on two starts in a row:
 * - each run returns OTA_OK or a negative ota_err code with a reason, and
 *   uses the filesystem by the rules (no malformed path, no open handle);
 * - with no well-formed record nothing outside W changes, and a record that
 *   is there but malformed fails the boot;
 * - with one, changes outside W are confined to the paths the plan names
 *   (their parents and contents included), .ota_state (which the staged
 *   state replaces, whatever it is) and version.json (both with what is
 *   under them, should a directory squat on their names);
 * - a run that returns OTA_OK leaves no stage, and after a completed swap
 *   version.json names the record's commit and ref (when the record is
 *   UTF-8, as JSON must be); a run after it changes nothing outside W
 *   (the trial count, the error log), unless a revert is due.
 * A revert is due when the backup holds a revert record (undo), or a plan,
 * a previous version.json (a file) and a trial record (whose count may be
 * used up), counting what a swap completed at this start moves there.
 * Then the boot may also change what the backup's (or the stage's) plan
 * names (and move a directory in the way aside to "<path>.displaced"),
 * .ota_state,
 * version.json and .ota_reverted. */
#include <stddef.h>

#include "fuzz_sim.h"
#include "hex.h"
#include "state.h"

#define STAGE ".ota_stage"
#define BACKUP ".ota_backup"
#define RECORD STAGE "/commit"
#define PLAN STAGE "/plan"
#define BACKUP_PLAN BACKUP "/plan"
#define DISPLACED ".displaced"
#define MAX_FILES 64
#define INPUT_MAX 65536
#define PLAN_MAX (INPUT_MAX + 1)

struct oracle {
    int record;               /* the record exists */
    int well_formed;          /* see above */
    int utf8;                 /* and all of it is UTF-8 */
    char commit[OTA_SHA1_HEX];
    char ref[OTA_PATH_MAX];
    char *plan;               /* its text, NUL-terminated, or NULL */
    size_t plan_len;
    int second;               /* judging the second start */
    int revert_due;           /* see above */
    char *backup_plan;        /* the backup's plan, when a revert is due */
    size_t backup_plan_len;
};

/* ---- laying the device out ------------------------------------------------------ */

static int header_at(const char *p, const char *end)
{
    return end - p >= 2 && p[0] == '@' && p[1] == ' ';
}

/* The end of the content starting at body, and the header line after it
 * (NULL at the end of the input). */
static const char *content_end(const char *body, const char *end, const char **header)
{
    const char *p = body;

    if (header_at(body, end)) {
        *header = body;
        return body;
    }
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        if (header_at(p + 1, end)) {
            *header = p + 1;
            return p;
        }
        p++;
    }
    *header = NULL;
    return end;
}

static void lay_out(struct fuzz_device *d, const uint8_t *data, size_t size)
{
    const char *end = (const char *)data + size, *body = (const char *)data;
    const char *path = RECORD, *header = NULL, *stop, *eol;
    size_t path_len = strlen(RECORD), files;

    if (header_at(body, end))
        header = body; /* no record */
    else
        (void)fuzz_put(d, path, path_len, body, (size_t)(content_end(body, end, &header) - body));
    for (files = 0; header && files < MAX_FILES; files++) {
        path = header + 2;
        eol = memchr(path, '\n', (size_t)(end - path));
        path_len = (size_t)((eol ? eol : end) - path);
        body = eol ? eol + 1 : end;
        stop = content_end(body, end, &header);
        (void)fuzz_put(d, path, path_len, body, (size_t)(stop - body));
    }
}

/* ---- what recovery may do ---------------------------------------------------------- */

static int under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int own_file(const char *path)
{
    return under(path, STAGE) || under(path, BACKUP) || strcmp(path, OTA_ERROR_FILE) == 0 ||
           strcmp(path, OTA_ERROR_FILE ".tmp") == 0;
}

static void read_record(struct fuzz_device *d, struct oracle *o)
{
    static char text[INPUT_MAX + 1];
    long n = fuzz_read(d, RECORD, text, sizeof text);
    const char *nl;
    size_t first;
    struct ota_stat st;

    memset(o, 0, sizeof *o);
    o->record = n != OTA_ERR_NOT_FOUND;
    if (n < 0)
        return;
    nl = memchr(text, '\n', (size_t)n);
    first = nl ? (size_t)(nl - text) : (size_t)n;
    o->well_formed = first >= 42 && first - 41 < OTA_PATH_MAX && text[40] == ' ' &&
                     ota_hex_is_sha1(text, 40) &&
                     (d->port.fs.stat(d->port.user, PLAN, &st) == OTA_OK ||
                      d->port.fs.stat(d->port.user, BACKUP_PLAN, &st) == OTA_OK);
    if (!o->well_formed)
        return;
    memcpy(o->commit, text, 40);
    memcpy(o->ref, text + 41, first - 41);
    o->utf8 = fuzz_utf8_valid(text, (size_t)n);
    o->plan = malloc(PLAN_MAX);
    n = fuzz_read(d, PLAN, o->plan, PLAN_MAX);
    o->plan_len = n > 0 ? (size_t)n : 0;
}

static int exists(struct fuzz_device *d, const char *path)
{
    struct ota_stat st;

    return d->port.fs.stat(d->port.user, path, &st) == OTA_OK;
}

static int is_file(struct fuzz_device *d, const char *path)
{
    struct ota_stat st;

    return d->port.fs.stat(d->port.user, path, &st) == OTA_OK && !st.is_dir;
}

static void read_backup(struct fuzz_device *d, struct oracle *o)
{
    long n;

    /* a swap completed now moves its plan and the previous version.json
     * into the backup, which a trial record there may then revert */
    o->revert_due = exists(d, BACKUP "/undo") ||
                    (exists(d, BACKUP "/trial") && (exists(d, BACKUP_PLAN) || o->well_formed) &&
                     (is_file(d, BACKUP "/version") ||
                      (o->well_formed && is_file(d, OTA_VERSION_FILE))));
    if (!o->revert_due)
        return;
    o->backup_plan = malloc(PLAN_MAX);
    n = fuzz_read(d, BACKUP_PLAN, o->backup_plan, PLAN_MAX);
    o->backup_plan_len = n > 0 ? (size_t)n : 0;
}

/* Does the plan name path, a directory holding it or something inside it? */
static int names(const char *plan, size_t plan_len, const char *path)
{
    const char *p = plan, *end = plan ? p + plan_len : p;
    struct ota_entry e;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        size_t n = strlen(path), k;
        if (eol - p > 2 && ota_entry_parse(p + 2, (size_t)(eol - p - 2), &e) == OTA_OK) {
            k = strlen(e.path);
            if (under(path, e.path) || (n < k && memcmp(e.path, path, n) == 0 &&
                                        e.path[n] == '/'))
                return 1;
        }
        p = eol + 1;
    }
    return 0;
}

/* What a revert may touch besides what the backup's plan names: a
 * directory it moved aside, and its note. */
static int revert_may_change(const struct oracle *o, const char *path)
{
    char base[OTA_PATH_MAX + 16];
    size_t n = strlen(path), k = strlen(DISPLACED);
    const char *dot = strstr(path, DISPLACED);

    if (strncmp(path, ".ota_reverted", 13) == 0 ||
        names(o->backup_plan, o->backup_plan_len, path) || names(o->plan, o->plan_len, path))
        return 1;
    /* "<planned path>.displaced" and what is inside it */
    if (!dot || (size_t)(dot - path) >= sizeof base || n < k)
        return 0;
    memcpy(base, path, (size_t)(dot - path));
    base[dot - path] = '\0';
    return names(o->backup_plan, o->backup_plan_len, base) || names(o->plan, o->plan_len, base);
}

static void may_change(void *arg, const char *path)
{
    const struct oracle *o = arg;
    /* the engine's own files, and whatever squats on their names (a
     * directory called version.json is moved aside, whole, into the backup) */
    int engine_file = under(path, OTA_STATE_FILE) || under(path, OTA_VERSION_FILE) ||
                      strcmp(path, OTA_VERSION_FILE ".tmp") == 0;

    if (own_file(path))
        return;
    if (o->revert_due && (engine_file || revert_may_change(o, path)))
        return;
    if (!o->well_formed || !(engine_file || names(o->plan, o->plan_len, path)))
        fprintf(stderr, "changed: %s (%s start)\n", path, o->second ? "second" : "first");
    FUZZ_CHECK(o->well_formed);
    FUZZ_CHECK(engine_file || names(o->plan, o->plan_len, path));
}

static void no_change(void *arg, const char *path)
{
    (void)arg;
    if (own_file(path))
        return; /* the boot counted, or dropped (and logged) a backup a
                   used-up trial could not revert to */
    fprintf(stderr, "changed: %s\n", path);
    FUZZ_CHECK(!"a boot after a successful one changes nothing");
}

/* ---- one start of the device ------------------------------------------------------ */

static int boot(struct fuzz_device *d, const struct oracle *o, const struct fuzz_tree *before,
                struct fuzz_tree *after)
{
    struct ota_version v;
    struct ota_stat st;
    int err;

    fuzz_device_ready(d);
    err = ota_boot(&d->ctx);
    fuzz_device_check(d);
    FUZZ_CHECK(fuzz_known_err(err));
    FUZZ_CHECK(err == OTA_OK || d->ctx.reason[0] != '\0');
    fuzz_snapshot(d, after);
    fuzz_diff(before, after, may_change, (void *)o);
    if (o->record && !o->well_formed)
        FUZZ_CHECK(err != OTA_OK);
    if (err != OTA_OK)
        return err;
    FUZZ_CHECK(d->port.fs.stat(d->port.user, STAGE, &st) == OTA_ERR_NOT_FOUND);
    /* version.json is JSON: what is not UTF-8 in the record cannot be read
     * back; a revert replaces it */
    if (o->well_formed && o->utf8 && !o->revert_due) {
        FUZZ_CHECK(ota_version_read(&d->ctx, &v) == OTA_OK);
        FUZZ_CHECK(strcmp(v.commit, o->commit) == 0 && strcmp(v.ref, o->ref) == 0);
    }
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_tree before, first, second;
    struct fuzz_device *d = fuzz_device_start();
    struct oracle o, o2;
    int err;

    if (size > INPUT_MAX)
        return 0;
    lay_out(d, data, size);
    read_record(d, &o);
    read_backup(d, &o);
    fuzz_snapshot(d, &before);
    err = boot(d, &o, &before, &first);
    /* the second start is judged by what the first left */
    read_record(d, &o2);
    o2.second = 1;
    read_backup(d, &o2);
    if (err != OTA_OK) { /* unfinished work carries over */
        free(o2.plan);
        memcpy(&o2, &o, offsetof(struct oracle, revert_due));
        o.plan = NULL;
        o2.revert_due |= o.revert_due;
        if (o.revert_due && !o2.backup_plan) {
            o2.backup_plan = o.backup_plan;
            o2.backup_plan_len = o.backup_plan_len;
            o.backup_plan = NULL;
        }
    }
    if (boot(d, &o2, &first, &second) == OTA_OK && err == OTA_OK && !o2.revert_due)
        fuzz_diff(&first, &second, no_change, NULL);
    free(o.plan);
    free(o.backup_plan);
    free(o2.plan);
    free(o2.backup_plan);
    return 0;
}
