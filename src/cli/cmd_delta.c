/* `ota delta`: makes a delta from an old file to a new one (server side),
 * and, with --apply, rebuilds the new file through the device's decoder
 * (src/core/delta.c), reading the old file with random access as a device
 * does. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "delta.h"
#include "delta_encode.h"
#include "delta_git.h"
#include "delta_tree.h"
#include "jsonw.h"

#define MAX_INPUT ((size_t)OTA_DELTA_SIZE_MAX)

const char delta_help[] =
    "usage: ota delta OLD NEW -o DELTA [--also FILE]...\n"
    "       ota delta OLDDIR NEWDIR -o OUTDIR\n"
    "       ota delta --git REPO OLDREF NEWREF -o OUTDIR\n"
    "       ota delta --apply OLD DELTA -o NEW [--also FILE]... [--json]\n"
    "\n"
    "Makes a delta that turns OLD into NEW (docs/delta.md): matches anywhere in\n"
    "OLD (and in up to three more files given with --also, e.g. other files of\n"
    "the installed release), range-coded. A device applies it in about 14 KiB\n"
    "of RAM, reading OLD from its storage. The delta names OLD and NEW by their\n"
    "git blob ids, so it is applied only to what it was made from.\n"
    "--apply rebuilds NEW with the device's decoder and checks its blob id.\n"
    "Given two directories (two checkouts of a release), writes into OUTDIR\n"
    "one delta per changed file, named OLDBLOB-NEWBLOB.otad after the git blob\n"
    "ids (for a file moved elsewhere under the same name, OLDBLOB is the moved\n"
    "file's, the first such path in byte order, as devices pick it); a delta no\n"
    "smaller than its file is left out. .git and .deltas are skipped. OUTDIR/index\n"
    "then lists every delta in OUTDIR with its size: devices ask only for those.\n"
    "With --git, the two trees are two refs (tags, branches, commits) of the\n"
    "repository REPO, taken as git stores the blobs (what devices download).\n"
    "\n"
    "Options:\n"
    "  -o, --out FILE     where to write the delta (or, with --apply, NEW)\n"
    "      --also FILE    another source the delta may copy from (up to 3)\n"
    "      --apply        apply DELTA to OLD instead of making one\n"
    "      --git REPO     OLD and NEW are refs of this git repository\n"
    "      --json         with --apply: one JSON object with the figures\n"
    "  -q, --quiet        only errors\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit codes: 0 ok, 1 internal error, 2 usage or unreadable input,\n"
    "5 malformed delta or one made from other files, 6 cannot write the output.\n";

struct delta_opts {
    const char *out;
    const char *git;
    const char *also[OTA_DELTA_SOURCES_MAX - 1];
    unsigned also_count;
    int apply, json, quiet;
};

struct file_data {
    uint8_t *data;
    size_t size;
};

static int load(const char *path, struct file_data *f)
{
    FILE *in = fopen(path, "rb");
    long size;

    if (!in || fseek(in, 0, SEEK_END) != 0 || (size = ftell(in)) < 0 ||
        (size_t)size > MAX_INPUT || fseek(in, 0, SEEK_SET) != 0) {
        fprintf(stderr, "ota delta: cannot read %s\n", path);
        if (in)
            fclose(in);
        return -1;
    }
    f->size = (size_t)size;
    f->data = malloc(f->size + 1);
    if (!f->data || fread(f->data, 1, f->size, in) != f->size) {
        fprintf(stderr, "ota delta: cannot read %s\n", path);
        fclose(in);
        return -1;
    }
    fclose(in);
    return 0;
}

static int save(const char *path, const uint8_t *data, size_t size)
{
    FILE *out = fopen(path, "wb");

    if (!out || (size && fwrite(data, 1, size, out) != size) || fclose(out) != 0) {
        fprintf(stderr, "ota delta: cannot write %s\n", path);
        return EXIT_STORAGE;
    }
    return EXIT_OK;
}

/* ---- applying: the decoder with files as sources -------------------------- */

struct applier {
    const struct ota_delta_dec *dec;
    struct file_data *sources;
    unsigned count;
    int checked;              /* the header's sources are the files given */
    uint8_t *out;
    size_t out_len, out_cap;
};

/* The header names its sources by size and blob id: they must be the
 * files given. */
static int sources_match(const struct ota_delta_dec *d, const struct applier *a)
{
    unsigned i;

    if (d->h.source_count != a->count)
        return 0;
    for (i = 0; i < a->count; i++) {
        uint8_t id[20];
        delta_blob_id(a->sources[i].data, a->sources[i].size, id);
        if (d->h.source_size[i] != a->sources[i].size ||
            memcmp(id, d->h.source_id[i], OTA_DELTA_ID_LEN) != 0)
            return 0;
    }
    return 1;
}

/* Checked at the first read, as a device resolves its sources. */
static int read_source(void *arg, unsigned index, uint64_t offset, uint8_t *buf, size_t len)
{
    struct applier *a = arg;

    if (!a->checked && !sources_match(a->dec, a))
        return OTA_ERR_NOT_FOUND;
    a->checked = 1;
    if (index >= a->count || offset + len > a->sources[index].size)
        return OTA_ERR_DELTA;
    memcpy(buf, a->sources[index].data + offset, len);
    return OTA_OK;
}

static int write_out(void *arg, const uint8_t *data, size_t len)
{
    struct applier *a = arg;

    if (a->out_len + len > a->out_cap) {
        a->out_cap = (a->out_len + len) * 2;
        a->out = realloc(a->out, a->out_cap);
        if (!a->out)
            return OTA_ERR_NO_MEM;
    }
    memcpy(a->out + a->out_len, data, len);
    a->out_len += len;
    return OTA_OK;
}

static double seconds_now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int apply(const struct delta_opts *o, struct file_data *sources, unsigned count,
                 const struct file_data *delta)
{
    static struct ota_delta_dec dec; /* as a device would: not on the stack */
    struct applier a = {&dec, sources, count, 0, NULL, 0, 0};
    struct ota_delta_io io = {read_source, write_out, &a};
    uint8_t id[20];
    double start = seconds_now(), took;
    size_t at, n;
    int err = OTA_OK;

    ota_delta_init(&dec, &io);
    /* in pieces, as from the network */
    for (at = 0; err == OTA_OK && at < delta->size; at += n) {
        n = delta->size - at < 4096 ? delta->size - at : 4096;
        err = ota_delta_feed(&dec, delta->data + at, n);
    }
    if (err == OTA_OK)
        err = ota_delta_finish(&dec);
    took = seconds_now() - start;
    if (err == OTA_OK && !a.checked && !sources_match(&dec, &a))
        err = OTA_ERR_NOT_FOUND; /* nothing was read from them */
    if (err == OTA_OK) {
        delta_blob_id(a.out, a.out_len, id);
        if (memcmp(id, dec.h.new_id, OTA_DELTA_ID_LEN) != 0)
            err = OTA_ERR_HASH_MISMATCH;
    }
    if (err != OTA_OK) {
        fprintf(stderr, "ota delta: %s\n", err == OTA_ERR_NOT_FOUND
                                               ? "the delta was made from other files"
                                               : ota_strerror(err));
        free(a.out);
        return EXIT_VERIFY;
    }
    err = save(o->out, a.out, a.out_len);
    if (err == EXIT_OK && o->json) {
        struct jsonw w;
        char secs[32];
        jsonw_begin(&w, stdout);
        jsonw_str(&w, "status", "ok");
        jsonw_u64(&w, "bytes_out", a.out_len);
        jsonw_u64(&w, "bytes_in", delta->size);
        jsonw_u64(&w, "decoder_memory_bytes", sizeof dec);
        snprintf(secs, sizeof secs, "%.6f", took);
        jsonw_raw(&w, "seconds", secs);
        jsonw_end(&w);
    }
    free(a.out);
    return err;
}

/* ---- making one --------------------------------------------------------------- */

static int make(const struct delta_opts *o, struct file_data *sources, unsigned count,
                const struct file_data *target)
{
    struct delta_source src[OTA_DELTA_SOURCES_MAX];
    struct delta_options opt;
    uint8_t *out;
    size_t out_len;
    unsigned i;
    int code;

    for (i = 0; i < count; i++) {
        src[i].data = sources[i].data;
        src[i].size = sources[i].size;
    }
    delta_default_options(&opt);
    if (delta_encode(src, count, target->data, target->size, &opt, &out, &out_len) != 0) {
        fprintf(stderr, "ota delta: inputs too large for the format\n");
        return EXIT_USAGE;
    }
    code = save(o->out, out, out_len);
    if (code == EXIT_OK && !o->quiet)
        fprintf(stderr, "ota delta: %zu bytes -> %zu bytes of delta\n", target->size, out_len);
    free(out);
    return code;
}

static int parse(int argc, char **argv, struct delta_opts *o)
{
    enum { O_ALSO = 256, O_APPLY, O_JSON, O_GIT };
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'}, {"also", required_argument, NULL, O_ALSO},
        {"apply", no_argument, NULL, O_APPLY}, {"json", no_argument, NULL, O_JSON},
        {"git", required_argument, NULL, O_GIT},
        {"quiet", no_argument, NULL, 'q'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof *o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case O_ALSO:
            if (o->also_count == OTA_DELTA_SOURCES_MAX - 1) {
                fprintf(stderr, "ota delta: at most %d --also files\n", OTA_DELTA_SOURCES_MAX - 1);
                return EXIT_USAGE;
            }
            o->also[o->also_count++] = optarg;
            break;
        case O_APPLY: o->apply = 1; break;
        case O_GIT: o->git = optarg; break;
        case O_JSON: o->json = 1; break;
        case 'q': o->quiet = 1; break;
        case 'h': fputs(delta_help, stdout); return -1;
        default: fputs(delta_help, stderr); return EXIT_USAGE;
        }
    }
    if (argc - optind != 2 || !o->out) {
        fputs(delta_help, stderr);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_delta(int argc, char **argv)
{
    struct file_data sources[OTA_DELTA_SOURCES_MAX], second;
    struct delta_opts o;
    unsigned i, count = 1;
    int code = parse(argc, argv, &o);

    if (code != EXIT_OK)
        return code < 0 ? EXIT_OK : code;
    if (o.git && !o.apply)
        return delta_publish_refs(o.git, argv[optind], argv[optind + 1], o.out, o.quiet);
    if (!o.apply && is_dir(argv[optind]) && is_dir(argv[optind + 1]))
        return delta_publish_dirs(argv[optind], argv[optind + 1], o.out, o.quiet);
    memset(sources, 0, sizeof sources);
    if (load(argv[optind], &sources[0]) != 0 || load(argv[optind + 1], &second) != 0)
        return EXIT_USAGE;
    for (i = 0; i < o.also_count; i++, count++)
        if (load(o.also[i], &sources[count]) != 0)
            return EXIT_USAGE;
    code = o.apply ? apply(&o, sources, count, &second) : make(&o, sources, count, &second);
    for (i = 0; i < count; i++)
        free(sources[i].data);
    free(second.data);
    return code;
}
