/* `ota manifest`: builds a release manifest (docs/manifest.md) from a
 * directory or a git ref, with the devices' allow/ignore rules, optionally
 * listing as deletes what an older ref had, and optionally signing it. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "cli.h"
#include "hex.h"
#include "jsonw.h"
#include "path.h"

#define MAX_RULES 128

const char manifest_help[] =
    "usage: ota manifest (--dir DIR | --ref REF) --version V --sequence N [options]\n"
    "\n"
    "Writes a release manifest (format in docs/manifest.md): every file's path,\n"
    "size, git blob SHA-1 and SHA-256, sorted by path. Attach it to the release\n"
    "as manifest.json (and, signed, manifest.json.sig).\n"
    "\n"
    "Options:\n"
    "      --dir DIR          the files of this directory (.git skipped)\n"
    "      --ref REF          the files of this git ref (tag, branch or commit)\n"
    "      --repo PATH        the git repository of --ref and --since (default .)\n"
    "      --since OLDREF     list as deletes the files OLDREF has and REF has not\n"
    "      --version V        release version, normally the tag\n"
    "      --sequence N       anti-rollback counter: larger than any earlier release's\n"
    "      --expires EPOCH    devices refuse the manifest after this Unix time\n"
    "      --rollout-percent N  share of the fleet that takes this release (0-100)\n"
    "      --allow PATH       exact file or directory prefix to include (repeatable)\n"
    "      --ignore PATH      exact file or directory prefix to leave out (repeatable)\n"
    "      --post-update PATH / --rollback PATH  hook scripts the release ships\n"
    "      --key FILE         also sign it with this Ed25519 key (writes OUT.sig)\n"
    "  -o, --out FILE         where to write (default manifest.json)\n"
    "  -h, --help             this help\n"
    "\n"
    "Exit codes: 0 written, 2 usage, 3 key unusable, 5 a path is unsafe,\n"
    "6 cannot read the files or write the output, 1 git failed.\n";

struct file_entry {
    char *path;
    uint64_t size;
    char sha1[41];
    char sha256[65];
};

struct entries {
    struct file_entry *v;
    size_t n, cap;
};

struct manifest_opts {
    const char *dir, *ref, *repo, *since, *version, *expires, *rollout, *post_update,
        *rollback, *key, *out;
    long long sequence;
    int have_sequence;
    const char *allow[MAX_RULES], *ignore[MAX_RULES];
    size_t allow_n, ignore_n;
    struct ota_settings rules; /* only allow/ignore are used */
};

static int fail(int code, const char *fmt, const char *a)
{
    fprintf(stderr, "ota manifest: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    return code;
}

/* Git blob SHA-1 and SHA-256 of a stream of known size. */
struct hashes {
    EVP_MD_CTX *sha1, *sha256;
};

static int hashes_begin(struct hashes *h, uint64_t size)
{
    char header[32];
    int n = snprintf(header, sizeof header, "blob %llu", (unsigned long long)size);

    h->sha1 = EVP_MD_CTX_new();
    h->sha256 = EVP_MD_CTX_new();
    return h->sha1 && h->sha256 && EVP_DigestInit_ex(h->sha1, EVP_sha1(), NULL) == 1 &&
                   EVP_DigestInit_ex(h->sha256, EVP_sha256(), NULL) == 1 &&
                   EVP_DigestUpdate(h->sha1, header, (size_t)n + 1) == 1
               ? 0 : -1;
}

static int hashes_update(struct hashes *h, const void *p, size_t n)
{
    return EVP_DigestUpdate(h->sha1, p, n) == 1 && EVP_DigestUpdate(h->sha256, p, n) == 1 ? 0
                                                                                        : -1;
}

static int hashes_end(struct hashes *h, struct file_entry *e)
{
    unsigned char d1[20], d2[32];
    int ok = EVP_DigestFinal_ex(h->sha1, d1, NULL) == 1 &&
             EVP_DigestFinal_ex(h->sha256, d2, NULL) == 1;

    EVP_MD_CTX_free(h->sha1);
    EVP_MD_CTX_free(h->sha256);
    if (ok) {
        ota_hex_encode(d1, sizeof d1, e->sha1);
        ota_hex_encode(d2, sizeof d2, e->sha256);
    }
    return ok ? 0 : -1;
}

static int hash_stream(FILE *f, struct file_entry *e)
{
    unsigned char buf[65536];
    struct hashes h;
    uint64_t total = 0;
    size_t n;
    int err = hashes_begin(&h, e->size);

    while (!err && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        total += n;
        err = hashes_update(&h, buf, n);
    }
    if (hashes_end(&h, e) != 0 || err || ferror(f) || total != e->size)
        return -1;
    return 0;
}

/* Checks and keeps path; 1 kept, 0 filtered out, negative exit code. */
static int add_entry(struct entries *es, const struct manifest_opts *o, const char *path,
                     uint64_t size, struct file_entry **out)
{
    struct file_entry *e;

    if (ota_path_check(path, strlen(path)) != OTA_OK)
        return -fail(EXIT_VERIFY, "unsafe path \"%s\": not representable on a device", path);
    if (!ota_path_permitted(&o->rules, path))
        return 0;
    if (es->n == es->cap) {
        size_t cap = es->cap ? 2 * es->cap : 64;
        struct file_entry *v = realloc(es->v, cap * sizeof *v);
        if (!v)
            return -fail(EXIT_INTERNAL, "%s", "out of memory");
        es->v = v;
        es->cap = cap;
    }
    e = &es->v[es->n];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    e->size = size;
    if (!e->path)
        return -fail(EXIT_INTERNAL, "%s", "out of memory");
    es->n++;
    *out = e;
    return 1;
}

static int walk_dir(struct entries *es, const struct manifest_opts *o, const char *root,
                    const char *rel)
{
    char full[8192], child[4096];
    struct dirent *d;
    struct stat st;
    struct file_entry *e;
    DIR *dir;
    FILE *f;
    int r = 0;

    snprintf(full, sizeof full, "%s%s%s", root, rel[0] ? "/" : "", rel);
    if (!(dir = opendir(full)))
        return fail(EXIT_STORAGE, "cannot read directory %s", full);
    while (r == 0 && (d = readdir(dir)) != NULL) {
        if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
            (!rel[0] && !strcmp(d->d_name, ".git")))
            continue;
        snprintf(child, sizeof child, "%s%s%s", rel, rel[0] ? "/" : "", d->d_name);
        snprintf(full, sizeof full, "%s/%s", root, child);
        if (lstat(full, &st) != 0)
            r = fail(EXIT_STORAGE, "cannot stat %s", full);
        else if (S_ISDIR(st.st_mode))
            r = walk_dir(es, o, root, child);
        else if (S_ISREG(st.st_mode)) { /* links and specials are not shipped */
            int kept = add_entry(es, o, child, (uint64_t)st.st_size, &e);
            if (kept < 0)
                r = -kept;
            else if (kept && (!(f = fopen(full, "rb")) || hash_stream(f, e) != 0 ||
                              fclose(f) != 0))
                r = fail(EXIT_STORAGE, "cannot read %s", full);
        }
    }
    closedir(dir);
    return r;
}

/* Runs a git command in the repository; its stdout is read by the caller. */
static FILE *git_pipe(const struct manifest_opts *o, const char *args, const char *arg)
{
    char cmd[8192];
    const char *p;
    size_t n;

    /* arguments go single-quoted to the shell */
    n = (size_t)snprintf(cmd, sizeof cmd, "git -C '%s' %s '", o->repo, args);
    for (p = arg; *p && n + 8 < sizeof cmd; p++) {
        if (*p == '\'')
            n += (size_t)snprintf(cmd + n, sizeof cmd - n, "'\\''");
        else
            cmd[n++] = *p;
    }
    snprintf(cmd + n, sizeof cmd - n, "'");
    return popen(cmd, "r");
}

/* Reads "<mode> <type> <sha> <size>\t<path>\0" records of ls-tree -r -l -z. */
static int read_tree(struct entries *es, const struct manifest_opts *o, const char *ref,
                     int with_content)
{
    char rec[8192], mode[16], type[16], sha[48], size_text[32];
    struct file_entry *e;
    FILE *p = git_pipe(o, "ls-tree -r -l -z --full-tree", ref);
    int c, r = 0;
    size_t n;

    if (!p)
        return fail(EXIT_INTERNAL, "%s", "cannot run git");
    while (r == 0) {
        for (n = 0; (c = fgetc(p)) != EOF && c != 0 && n + 1 < sizeof rec; n++)
            rec[n] = (char)c;
        if (n == 0 && c == EOF)
            break;
        rec[n] = '\0';
        char *tab = strchr(rec, '\t');
        if (!tab || sscanf(rec, "%15s %15s %47s %31s", mode, type, sha, size_text) != 4) {
            r = fail(EXIT_INTERNAL, "unexpected git ls-tree output for %s", ref);
            break;
        }
        if (strcmp(type, "blob") != 0 || !strcmp(mode, "120000"))
            continue; /* submodules and symbolic links are not shipped */
        int kept = add_entry(es, o, tab + 1, strtoull(size_text, NULL, 10), &e);
        if (kept < 0)
            r = -kept;
        else if (kept && with_content) {
            FILE *blob = git_pipe(o, "cat-file blob", sha);
            if (!blob || hash_stream(blob, e) != 0 || pclose(blob) != 0)
                r = fail(EXIT_INTERNAL, "cannot read blob of %s", tab + 1);
            else if (strcmp(e->sha1, sha) != 0)
                r = fail(EXIT_INTERNAL, "blob id of %s does not match git", tab + 1);
        }
    }
    if (pclose(p) != 0 && r == 0)
        r = fail(EXIT_INTERNAL, "git ls-tree %s failed (unknown ref?)", ref);
    return r;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct file_entry *)a)->path, ((const struct file_entry *)b)->path);
}

static int by_folded_path(const void *a, const void *b)
{
    return strcasecmp((*(const struct file_entry *const *)a)->path,
                      (*(const struct file_entry *const *)b)->path);
}

/* Devices refuse two paths that differ only in case (one file on FAT and
 * on case-insensitive filesystems), so the writer refuses them first; a
 * delete differing only in case from a file (a case-only rename) too. */
static int case_collisions(const struct entries *files, const struct entries *deletes)
{
    size_t n = files->n + deletes->n, i, k = 0;
    const struct file_entry **v = malloc((n ? n : 1) * sizeof *v);
    int r = 0;

    if (!v)
        return fail(EXIT_INTERNAL, "%s", "out of memory");
    for (i = 0; i < files->n; i++)
        v[k++] = &files->v[i];
    for (i = 0; i < deletes->n; i++)
        v[k++] = &deletes->v[i];
    qsort(v, n, sizeof *v, by_folded_path);
    for (i = 1; i < n && r == 0; i++)
        if (strcasecmp(v[i - 1]->path, v[i]->path) == 0) {
            fprintf(stderr, "ota manifest: \"%s\" and \"%s\" differ only in case; "
                            "devices refuse such a release\n", v[i - 1]->path, v[i]->path);
            r = EXIT_VERIFY;
        }
    free(v);
    return r;
}

static int has_path(const struct entries *es, const char *path)
{
    struct file_entry key;

    key.path = (char *)path;
    return bsearch(&key, es->v, es->n, sizeof key, by_path) != NULL;
}

static int resolve_commit(const struct manifest_opts *o, char out[42])
{
    char peeled[4096];
    FILE *p;
    int ok;

    snprintf(peeled, sizeof peeled, "%s^{commit}", o->ref);
    p = git_pipe(o, "rev-parse --verify -q", peeled);
    ok = p && fgets(out, 42, p) != NULL && strlen(out) >= 40;
    if (p)
        ok = pclose(p) == 0 && ok;
    out[40] = '\0';
    return ok ? 0 : -1;
}

static void write_string_member(FILE *f, const char *key, const char *value)
{
    if (!value)
        return;
    fprintf(f, "  \"%s\": ", key);
    jsonw_escaped(f, value);
    fputs(",\n", f);
}

static void write_json(FILE *f, const struct manifest_opts *o, const char *commit,
                       const struct entries *files, const struct entries *deletes)
{
    size_t i;

    fputs("{\n  \"format\": \"ota-manifest/1\",\n", f);
    write_string_member(f, "version", o->version);
    fprintf(f, "  \"sequence\": %lld,\n", o->sequence);
    if (o->expires)
        fprintf(f, "  \"expires\": %s,\n", o->expires);
    write_string_member(f, "commit", commit[0] ? commit : NULL);
    if (o->rollout)
        fprintf(f, "  \"rollout_percent\": %s,\n", o->rollout);
    write_string_member(f, "post_update", o->post_update);
    write_string_member(f, "rollback", o->rollback);
    fputs("  \"files\": [", f);
    for (i = 0; i < files->n; i++) {
        const struct file_entry *e = &files->v[i];
        fputs(i ? ",\n    {\"path\": " : "\n    {\"path\": ", f);
        jsonw_escaped(f, e->path);
        fprintf(f, ", \"size\": %llu, \"sha1\": \"%s\", \"sha256\": \"%s\"}",
                (unsigned long long)e->size, e->sha1, e->sha256);
    }
    fputs(files->n ? "\n  ],\n  \"deletes\": [" : "],\n  \"deletes\": [", f);
    for (i = 0; i < deletes->n; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        jsonw_escaped(f, deletes->v[i].path);
    }
    fputs(deletes->n ? "\n  ]\n}\n" : "]\n}\n", f);
}

static void free_entries(struct entries *es)
{
    size_t i;

    for (i = 0; i < es->n; i++)
        free(es->v[i].path);
    free(es->v);
}

/* Files of OLDREF (permitted) that the new listing does not have. */
static int collect_deletes(const struct manifest_opts *o, const struct entries *files,
                           struct entries *deletes)
{
    struct entries old = {NULL, 0, 0};
    size_t i;
    struct file_entry *e;
    int r = read_tree(&old, o, o->since, 0);

    for (i = 0; r == 0 && i < old.n; i++)
        if (!has_path(files, old.v[i].path) && add_entry(deletes, o, old.v[i].path, 0, &e) < 0)
            r = EXIT_INTERNAL;
    free_entries(&old);
    return r;
}

static int number_ok(const char *text, long long lo, long long hi, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno || *end || end == text || v < lo || v > hi)
        return 0;
    if (out)
        *out = v;
    return 1;
}

enum { O_DIR = 256, O_REF, O_REPO, O_SINCE, O_VERSION, O_SEQUENCE, O_EXPIRES, O_ROLLOUT,
       O_ALLOW, O_IGNORE, O_POST, O_ROLLBACK, O_KEY };

static int parse(struct manifest_opts *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, O_DIR},         {"ref", required_argument, NULL, O_REF},
        {"repo", required_argument, NULL, O_REPO},       {"since", required_argument, NULL, O_SINCE},
        {"version", required_argument, NULL, O_VERSION},
        {"sequence", required_argument, NULL, O_SEQUENCE},
        {"expires", required_argument, NULL, O_EXPIRES},
        {"rollout-percent", required_argument, NULL, O_ROLLOUT},
        {"allow", required_argument, NULL, O_ALLOW},     {"ignore", required_argument, NULL, O_IGNORE},
        {"post-update", required_argument, NULL, O_POST},
        {"rollback", required_argument, NULL, O_ROLLBACK},
        {"key", required_argument, NULL, O_KEY},         {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},                {NULL, 0, NULL, 0}};
    int ch;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_DIR: o->dir = optarg; break;
        case O_REF: o->ref = optarg; break;
        case O_REPO: o->repo = optarg; break;
        case O_SINCE: o->since = optarg; break;
        case O_VERSION: o->version = optarg; break;
        case O_SEQUENCE:
            if (!number_ok(optarg, 0, 9007199254740991LL, &o->sequence))
                return fail(EXIT_USAGE, "--sequence must be a whole number, not \"%s\"", optarg);
            o->have_sequence = 1;
            break;
        case O_EXPIRES:
            if (!number_ok(optarg, 1, 9007199254740991LL, NULL))
                return fail(EXIT_USAGE, "--expires must be a Unix time, not \"%s\"", optarg);
            o->expires = optarg;
            break;
        case O_ROLLOUT:
            if (!number_ok(optarg, 0, 100, NULL))
                return fail(EXIT_USAGE, "--rollout-percent must be 0-100, not \"%s\"", optarg);
            o->rollout = optarg;
            break;
        case O_ALLOW:
        case O_IGNORE:
            if ((ch == O_ALLOW ? o->allow_n : o->ignore_n) == MAX_RULES)
                return fail(EXIT_USAGE, "%s", "too many --allow/--ignore rules");
            if (ch == O_ALLOW)
                o->allow[o->allow_n++] = optarg;
            else
                o->ignore[o->ignore_n++] = optarg;
            break;
        case O_POST: o->post_update = optarg; break;
        case O_ROLLBACK: o->rollback = optarg; break;
        case O_KEY: o->key = optarg; break;
        case 'o': o->out = optarg; break;
        case 'h': fputs(manifest_help, stdout); return -1;
        default: return fail(EXIT_USAGE, "%s", "unknown option; see `ota manifest --help`");
        }
    }
    if (optind != argc)
        return fail(EXIT_USAGE, "unexpected argument \"%s\"", argv[optind]);
    if (!o->dir == !o->ref)
        return fail(EXIT_USAGE, "%s", "give exactly one of --dir DIR and --ref REF");
    if (!o->version || !o->have_sequence)
        return fail(EXIT_USAGE, "%s", "--version and --sequence are required");
    if (o->since && !o->ref && !o->repo)
        o->repo = ".";
    if ((o->post_update && ota_path_check(o->post_update, strlen(o->post_update))) ||
        (o->rollback && ota_path_check(o->rollback, strlen(o->rollback))))
        return fail(EXIT_VERIFY, "%s", "hook paths must be safe relative paths");
    return 0;
}

static int sign_output(const struct manifest_opts *o)
{
    char sig_path[4096];
    char *argv[8];
    int argc = 0;

    snprintf(sig_path, sizeof sig_path, "%s.sig", o->out);
    argv[argc++] = (char *)"sign";
    argv[argc++] = (char *)"--key";
    argv[argc++] = (char *)o->key;
    argv[argc++] = (char *)"-o";
    argv[argc++] = sig_path;
    argv[argc++] = (char *)o->out;
    argv[argc] = NULL;
    return cmd_sign(argc, argv);
}

int cmd_manifest(int argc, char **argv)
{
    struct manifest_opts o;
    struct entries files = {NULL, 0, 0}, deletes = {NULL, 0, 0};
    char commit[42] = "";
    FILE *out;
    int r;

    memset(&o, 0, sizeof o);
    o.repo = ".";
    o.out = "manifest.json";
    r = parse(&o, argc, argv);
    if (r != 0)
        return r < 0 ? EXIT_OK : r;
    o.rules.allow = o.allow;
    o.rules.allow_count = o.allow_n;
    o.rules.ignore = o.ignore;
    o.rules.ignore_count = o.ignore_n;
    if (o.ref && resolve_commit(&o, commit) != 0)
        return fail(EXIT_INTERNAL, "unknown git ref \"%s\"", o.ref);
    r = o.dir ? walk_dir(&files, &o, o.dir, "") : read_tree(&files, &o, o.ref, 1);
    if (r == 0)
        qsort(files.v, files.n, sizeof *files.v, by_path);
    if (r == 0 && o.since)
        r = collect_deletes(&o, &files, &deletes);
    if (r == 0)
        r = case_collisions(&files, &deletes);
    if (r == 0 && !(out = fopen(o.out, "w")))
        r = fail(EXIT_STORAGE, "cannot write %s", o.out);
    if (r == 0) {
        write_json(out, &o, commit, &files, &deletes);
        if (fclose(out) != 0)
            r = fail(EXIT_STORAGE, "cannot write %s", o.out);
    }
    if (r == 0)
        fprintf(stderr, "ota manifest: wrote %s (%zu files, %zu deletes)\n", o.out, files.n,
                deletes.n);
    if (r == 0 && o.key)
        r = sign_output(&o);
    free_entries(&files);
    free_entries(&deletes);
    return r;
}
