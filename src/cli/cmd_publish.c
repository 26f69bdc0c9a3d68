/* `ota publish`: puts a signed release into a static, content-addressed
 * mirror (docs/mirror.md) that a plain web server, an object store or a CDN
 * serves to a fleet: objects first, then deltas, the manifest and the
 * record, and the channel pointer last, so that a device reading the mirror
 * at any moment finds everything the pointer it got refers to. With
 * --prune, removes what the last releases no longer need. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "jsonw.h"
#include "publish_deltas.h"
#include "publish_git.h"
#include "publish_objects.h"
#include "publish_pointer.h"
#include "publish_prune.h"
#include "publish_record.h"
#include "publish_release.h"
#include "publish_signature.h"
#include "publish_store.h"
#include "publish_tree.h"

#define DEFAULT_CHANNEL "stable"
#define DEFAULT_DELTAS 3

const char publish_help[] =
    "usage: ota publish DIR -m MANIFEST [-s SIG] -o MIRROR [options]\n"
    "       ota publish --git REPO --ref REF -m MANIFEST -o MIRROR [options]\n"
    "       ota publish --prune --keep N -o MIRROR [--dry-run] [--json]\n"
    "\n"
    "Puts a signed release into MIRROR, a static directory that any web server,\n"
    "S3-compatible bucket or CDN can serve to a fleet (format: docs/mirror.md;\n"
    "serving it: docs/fleet.md). Every file the manifest lists must be in DIR\n"
    "(or in REF of the git repository REPO) with its size, git blob SHA-1 and\n"
    "SHA-256; otherwise nothing is published. Writes objects/<blob sha1>,\n"
    "deltas/<old>-<new>.otad from the channel's last K releases, the manifest\n"
    "as manifests/<sha256>.json, releases.json, and last, atomically, the\n"
    "channel pointer channels/<channel>.json. Existing files are never\n"
    "rewritten, only checked. Publishing the release a channel already points\n"
    "at changes nothing; a new release needs a larger sequence.\n"
    "--prune removes the manifests, objects and deltas that neither the last N\n"
    "releases of any channel nor a channel pointer need; nothing else deletes.\n"
    "\n"
    "Options:\n"
    "  -o, --out MIRROR      the mirror directory (created if missing)\n"
    "  -m, --manifest FILE   the release's manifest.json (`ota manifest`)\n"
    "  -s, --signature FILE  its Ed25519 signature (default: MANIFEST.sig)\n"
    "      --public-key KEY  refuse unless the signature verifies with KEY (a .pub\n"
    "                        file, or the key as in \"public_key\")\n"
    "      --git REPO        take the files from this git repository...\n"
    "      --ref REF         ...at this tag, branch or commit (must be the\n"
    "                        manifest's commit when it names one)\n"
    "  -c, --channel NAME    the channel to point at the release (default: stable;\n"
    "                        letters, digits, '.', '_', '-')\n"
    "      --deltas K        deltas from the channel's last K releases (default 3;\n"
    "                        0: none)\n"
    "      --prune           remove what is no longer needed (see above)\n"
    "      --keep N          with --prune: releases kept per channel (at least 1)\n"
    "      --dry-run         with --prune: count what would go, remove nothing\n"
    "      --json            print one JSON object on stdout\n"
    "  -q, --quiet           only errors\n"
    "  -h, --help            this help\n"
    "\n"
    "Environment:\n"
    "  SOURCE_DATE_EPOCH     the \"published\" time written (default: now)\n"
    "\n"
    "Exit codes: 0 ok, 1 internal error or git failed, 2 usage or unreadable\n"
    "input, 3 public key unusable, 5 verification: a file differs from the\n"
    "manifest, the signature or manifest is invalid, the sequence does not\n"
    "increase, or the mirror is corrupt; 6 cannot write the mirror (or another\n"
    "ota publish holds it).\n";

struct publish_opts {
    const char *dir, *git, *ref, *manifest, *signature, *public_key, *out, *channel;
    char default_signature[STORE_PATH_MAX];
    unsigned long deltas, keep;
    int prune, dry_run, json, quiet, have_keep;
};

/* What one publish did, for the report. */
struct publish_result {
    const struct release *release;
    const char *channel;
    struct store_tally objects, manifest;
    struct delta_tally deltas;
    int record_written, pointer_written;
};

static int usage(const char *what)
{
    fprintf(stderr, "ota publish: %s; see `ota publish --help`\n", what);
    return EXIT_USAGE;
}

static int parse_count(const char *text, unsigned long max, unsigned long *out)
{
    char *end;

    errno = 0;
    *out = strtoul(text, &end, 10);
    return !errno && end != text && !*end && text[0] != '-' && *out <= max ? 0 : -1;
}

static int check_combination(struct publish_opts *o, int argc, char **argv)
{
    if (!o->out)
        return usage("-o MIRROR is required");
    if (o->prune) {
        if (optind != argc || o->git || o->manifest || o->ref || o->signature || o->public_key)
            return usage("--prune takes only --keep, -o, --dry-run and --json");
        if (!o->have_keep || o->keep < 1)
            return usage("--prune needs --keep N, N at least 1");
        return EXIT_OK;
    }
    if (o->have_keep || o->dry_run)
        return usage("--keep and --dry-run go with --prune");
    if (o->git ? (!o->ref || optind != argc) : (o->ref || argc - optind != 1))
        return usage("give DIR, or --git REPO with --ref REF");
    o->dir = o->git ? NULL : argv[optind];
    if (!o->manifest)
        return usage("--manifest FILE is required");
    if (!channel_name_ok(o->channel))
        return usage("--channel: 1 to 64 letters, digits, '.', '_' or '-', not starting "
                     "with '.'");
    if (!o->signature) {
        snprintf(o->default_signature, sizeof o->default_signature, "%s.sig", o->manifest);
        o->signature = o->default_signature;
    }
    return EXIT_OK;
}

static int parse(struct publish_opts *o, int argc, char **argv)
{
    enum { O_PUBKEY = 256, O_GIT, O_REF, O_DELTAS, O_PRUNE, O_KEEP, O_DRY, O_JSON };
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'},      {"manifest", required_argument, NULL, 'm'},
        {"signature", required_argument, NULL, 's'}, {"public-key", required_argument, NULL, O_PUBKEY},
        {"git", required_argument, NULL, O_GIT},    {"ref", required_argument, NULL, O_REF},
        {"channel", required_argument, NULL, 'c'},  {"deltas", required_argument, NULL, O_DELTAS},
        {"prune", no_argument, NULL, O_PRUNE},      {"keep", required_argument, NULL, O_KEEP},
        {"dry-run", no_argument, NULL, O_DRY},      {"json", no_argument, NULL, O_JSON},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof *o);
    o->channel = DEFAULT_CHANNEL;
    o->deltas = DEFAULT_DELTAS;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:m:s:c:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'm': o->manifest = optarg; break;
        case 's': o->signature = optarg; break;
        case 'c': o->channel = optarg; break;
        case O_PUBKEY: o->public_key = optarg; break;
        case O_GIT: o->git = optarg; break;
        case O_REF: o->ref = optarg; break;
        case O_DELTAS:
            if (parse_count(optarg, 1000, &o->deltas) != 0)
                return usage("--deltas takes a count from 0 to 1000");
            break;
        case O_PRUNE: o->prune = 1; break;
        case O_KEEP:
            if (parse_count(optarg, 1000000, &o->keep) != 0)
                return usage("--keep takes a count");
            o->have_keep = 1;
            break;
        case O_DRY: o->dry_run = 1; break;
        case O_JSON: o->json = 1; break;
        case 'q': o->quiet = 1; break;
        case 'h': fputs(publish_help, stdout); return -1;
        default: return usage("unknown option");
        }
    }
    return check_combination(o, argc, argv);
}

static int lock_mirror(const char *mirror)
{
    if (store_lock(mirror) == 0)
        return EXIT_OK;
    if (errno == ENOENT || errno == ENOTDIR) {
        fprintf(stderr, "ota publish: no mirror at %s\n", mirror);
        return EXIT_USAGE;
    }
    if (errno == EWOULDBLOCK)
        fprintf(stderr, "ota publish: another ota publish is working on %s; try again when "
                        "it is done\n", mirror);
    else
        fprintf(stderr, "ota publish: cannot lock %s: %s\n", mirror, strerror(errno));
    return EXIT_STORAGE;
}

/* Now, or SOURCE_DATE_EPOCH; always after the channel's current pointer,
 * whose time its successor's must pass (publish_pointer.h says why). */
static uint64_t publish_time(const struct channel_pointer *current)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    unsigned long value;
    uint64_t now = epoch && parse_count(epoch, 0xffffffffUL, &value) == 0 ? value
                                                                           : (uint64_t)time(NULL);

    return current && now <= current->published ? current->published + 1 : now;
}

/* ---- publishing --------------------------------------------------------- */

/* A new release must come after what the channel has: devices refuse a
 * lower sequence, and an equal one would give two releases one number. */
static int check_sequence(const struct release *r, const char *channel,
                          const struct channel_pointer *current,
                          const struct record_release *newest)
{
    const char *live = current ? current->manifest : NULL;
    uint64_t seq = current ? current->sequence : 0;

    if (newest && (!current || newest->sequence > seq)) {
        live = newest->manifest;
        seq = newest->sequence;
    }
    if (!live || !strcmp(live, r->name) || (newest && !strcmp(newest->manifest, r->name)) ||
        r->info.sequence > seq)
        return EXIT_OK;
    fprintf(stderr, "ota publish: channel %s is at sequence %llu; release %s has sequence "
                    "%llu: a new release needs a larger one (devices refuse a lower one)\n",
            channel, (unsigned long long)seq, r->info.version,
            (unsigned long long)r->info.sequence);
    return EXIT_VERIFY;
}

static int write_pointer(const struct publish_opts *o, const struct release *r,
                         const struct release_signature *sig, uint64_t published)
{
    struct channel_pointer p;
    char dir[STORE_PATH_MAX];

    memset(&p, 0, sizeof p);
    snprintf(p.channel, sizeof p.channel, "%s", o->channel);
    p.sequence = r->info.sequence;
    memcpy(p.commit, r->info.commit, sizeof p.commit);
    memcpy(p.manifest, r->name, sizeof p.manifest);
    p.manifest_size = r->size;
    memcpy(p.signature, sig->hex, sizeof p.signature);
    p.published = published;
    if (pointer_write(o->out, &p) != 0 ||
        store_join(dir, sizeof dir, o->out, MIRROR_CHANNELS, NULL) != 0 ||
        store_sync_dir(dir) != 0) {
        fprintf(stderr, "ota publish: cannot write the pointer of channel %s: %s\n", o->channel,
                strerror(errno));
        return EXIT_STORAGE;
    }
    return EXIT_OK;
}

static int record_release(const struct publish_opts *o, struct record_channel *history,
                          struct record *rec, const struct release *r, uint64_t published)
{
    struct record_release rel;

    memset(&rel, 0, sizeof rel);
    rel.sequence = r->info.sequence;
    memcpy(rel.version, r->info.version, sizeof rel.version);
    memcpy(rel.commit, r->info.commit, sizeof rel.commit);
    memcpy(rel.manifest, r->name, sizeof rel.manifest);
    rel.published = published;
    if (record_append(history, &rel) != 0 || record_save(o->out, rec) != 0) {
        fprintf(stderr, "ota publish: cannot write %s/%s: %s\n", o->out, MIRROR_RECORD,
                strerror(errno));
        return EXIT_STORAGE;
    }
    return EXIT_OK;
}

/* What the mirror has for the channel: its record and current pointer. */
static int read_channel(const struct publish_opts *o, struct record *rec,
                        struct channel_pointer *p, int *has_pointer)
{
    if (record_load(o->out, rec) != 0) {
        fprintf(stderr, "ota publish: %s/%s is unreadable or malformed: %s\n", o->out,
                MIRROR_RECORD, strerror(errno));
        return EXIT_VERIFY;
    }
    *has_pointer = pointer_read(o->out, o->channel, p);
    if (*has_pointer < 0) {
        fprintf(stderr, "ota publish: %s/%s/%s.json is unreadable or not a channel pointer: "
                        "%s\n", o->out, MIRROR_CHANNELS, o->channel, strerror(errno));
        record_free(rec);
        return EXIT_VERIFY;
    }
    return EXIT_OK;
}

static int into_mirror(const struct publish_opts *o, const struct release *r,
                       const struct release_signature *sig, const char *dir,
                       struct publish_result *res)
{
    struct channel_pointer current;
    struct record rec;
    struct record_channel *history;
    const struct record_release *newest;
    uint64_t published;
    int code, has_pointer, is_new;

    if (store_make_dirs(o->out) != 0) {
        fprintf(stderr, "ota publish: cannot create the mirror %s: %s\n", o->out,
                strerror(errno));
        return EXIT_STORAGE;
    }
    if ((code = lock_mirror(o->out)) != EXIT_OK ||
        (code = read_channel(o, &rec, &current, &has_pointer)) != EXIT_OK)
        return code;
    if (!(history = record_channel(&rec, o->channel))) {
        record_free(&rec);
        return EXIT_INTERNAL;
    }
    newest = record_newest(history);
    published = publish_time(has_pointer ? &current : NULL);
    is_new = !newest || strcmp(newest->manifest, r->name) != 0;
    code = check_sequence(r, o->channel, has_pointer ? &current : NULL, newest);
    if (code == EXIT_OK)
        code = objects_store(o->out, dir, r, &res->objects);
    if (code == EXIT_OK && is_new && o->deltas)
        code = deltas_publish(o->out, r, history, (unsigned)o->deltas, &res->deltas);
    if (code == EXIT_OK)
        code = manifest_store(o->out, r, &res->manifest);
    if (code == EXIT_OK && is_new && (code = record_release(o, history, &rec, r, published)) == EXIT_OK)
        res->record_written = 1;
    if (code == EXIT_OK && (!has_pointer || strcmp(current.manifest, r->name) != 0) &&
        (code = write_pointer(o, r, sig, published)) == EXIT_OK)
        res->pointer_written = 1;
    record_free(&rec);
    return code;
}

/* --git: the files from REF, which must be the commit the manifest names. */
static int export_ref(const struct publish_opts *o, const struct release *r,
                      struct git_export *ex)
{
    int code = git_export(o->git, o->ref, r, ex);

    if (code == EXIT_OK && r->info.commit[0] && strcmp(r->info.commit, ex->commit) != 0) {
        fprintf(stderr, "ota publish: the manifest is for commit %s, but %s is %s\n",
                r->info.commit, o->ref, ex->commit);
        code = EXIT_VERIFY;
    }
    return code;
}

static void report_tally(struct jsonw *w, const char *key, const struct store_tally *t)
{
    jsonw_open(w, key, '{');
    jsonw_u64(w, "written", t->written);
    jsonw_u64(w, "existing", t->existing);
    jsonw_u64(w, "bytes_written", t->bytes_written);
    jsonw_u64(w, "bytes_existing", t->bytes_existing);
    jsonw_close(w, '}');
}

static void report_publish(const struct publish_opts *o, const struct publish_result *res)
{
    const struct release *r = res->release;
    const struct delta_tally *d = &res->deltas;
    struct jsonw w;

    if (o->json) {
        jsonw_begin(&w, stdout);
        jsonw_str(&w, "status", "ok");
        jsonw_str(&w, "channel", o->channel);
        jsonw_str(&w, "version", r->info.version);
        jsonw_u64(&w, "sequence", r->info.sequence);
        jsonw_str(&w, "manifest", r->name);
        jsonw_bool(&w, "unchanged", !res->pointer_written && !res->record_written &&
                                        !res->objects.written && !res->manifest.written);
        report_tally(&w, "objects", &res->objects);
        jsonw_open(&w, "deltas", '{');
        jsonw_u64(&w, "written", d->written);
        jsonw_u64(&w, "existing", d->existing);
        jsonw_u64(&w, "not_smaller", d->not_smaller);
        jsonw_u64(&w, "without_source", d->without_source);
        jsonw_u64(&w, "bytes_written", d->bytes_written);
        jsonw_u64(&w, "bytes_of_files", d->bytes_of_files);
        jsonw_close(&w, '}');
        jsonw_bool(&w, "manifest_written", res->manifest.written != 0);
        jsonw_bool(&w, "record_written", res->record_written);
        jsonw_bool(&w, "pointer_written", res->pointer_written);
        jsonw_end(&w);
    }
    if (o->quiet)
        return;
    fprintf(stderr, "ota publish: %llu objects written (%llu bytes), %llu already there; "
                    "%llu deltas written (%llu bytes for %llu), %llu not smaller than their "
                    "file\n",
            (unsigned long long)res->objects.written,
            (unsigned long long)res->objects.bytes_written,
            (unsigned long long)res->objects.existing, (unsigned long long)d->written,
            (unsigned long long)d->bytes_written, (unsigned long long)d->bytes_of_files,
            (unsigned long long)d->not_smaller);
    fprintf(stderr, res->pointer_written ? "ota publish: channel %s now points at %s "
                                           "(sequence %llu)\n"
                                         : "ota publish: channel %s already points at %s "
                                           "(sequence %llu): unchanged\n",
            o->channel, r->info.version, (unsigned long long)r->info.sequence);
}

static int publish(const struct publish_opts *o)
{
    struct publish_result res;
    struct release r;
    struct release_signature sig;
    struct git_export ex;
    char source[STORE_PATH_MAX + 16];
    const char *dir = o->dir;
    int code;

    memset(&res, 0, sizeof res);
    memset(&ex, 0, sizeof ex);
    code = release_load(&r, o->manifest, "manifest");
    if (code == EXIT_OK)
        code = signature_load(o->signature, &sig);
    if (code == EXIT_OK && o->public_key)
        code = signature_verify(o->public_key, r.bytes, r.size, &sig);
    if (code == EXIT_OK && o->git && (code = export_ref(o, &r, &ex)) == EXIT_OK)
        dir = ex.tree;
    snprintf(source, sizeof source, o->git ? "git ref %s" : "%s", o->git ? o->ref : o->dir);
    if (code == EXIT_OK)
        code = tree_verify(dir, source, &r);
    if (code == EXIT_OK)
        code = into_mirror(o, &r, &sig, dir, &res);
    res.release = &r;
    res.channel = o->channel;
    if (code == EXIT_OK)
        report_publish(o, &res);
    git_export_remove(&ex);
    release_free(&r);
    return code;
}

/* ---- pruning ------------------------------------------------------------------ */

static void report_prune(const struct publish_opts *o, const struct prune_tally *t)
{
    struct jsonw w;

    if (o->json) {
        jsonw_begin(&w, stdout);
        jsonw_str(&w, "status", "ok");
        jsonw_u64(&w, "keep", o->keep);
        jsonw_bool(&w, "dry_run", o->dry_run);
        jsonw_open(&w, "removed", '{');
        jsonw_u64(&w, "manifests", t->manifests);
        jsonw_u64(&w, "objects", t->objects);
        jsonw_u64(&w, "deltas", t->deltas);
        jsonw_u64(&w, "bytes", t->bytes);
        jsonw_u64(&w, "releases", t->releases_dropped);
        jsonw_close(&w, '}');
        jsonw_open(&w, "kept", '{');
        jsonw_u64(&w, "manifests", t->kept_manifests);
        jsonw_u64(&w, "objects", t->kept_objects);
        jsonw_u64(&w, "deltas", t->kept_deltas);
        jsonw_close(&w, '}');
        jsonw_end(&w);
    }
    if (!o->quiet)
        fprintf(stderr, "ota publish: %s %llu manifests, %llu objects and %llu deltas "
                        "(%llu bytes); kept %llu manifests, %llu objects, %llu deltas\n",
                o->dry_run ? "would remove" : "removed", (unsigned long long)t->manifests,
                (unsigned long long)t->objects, (unsigned long long)t->deltas,
                (unsigned long long)t->bytes, (unsigned long long)t->kept_manifests,
                (unsigned long long)t->kept_objects, (unsigned long long)t->kept_deltas);
}

static int prune(const struct publish_opts *o)
{
    struct prune_tally t;
    int code;

    memset(&t, 0, sizeof t);
    code = lock_mirror(o->out);
    if (code == EXIT_OK)
        code = prune_mirror(o->out, (unsigned)o->keep, o->dry_run, &t);
    if (code == EXIT_OK)
        report_prune(o, &t);
    return code;
}

int cmd_publish(int argc, char **argv)
{
    struct publish_opts o;
    int code = parse(&o, argc, argv);

    if (code != EXIT_OK)
        return code < 0 ? EXIT_OK : code;
    return o.prune ? prune(&o) : publish(&o);
}
