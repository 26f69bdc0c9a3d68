/* The public phases: init, boot, check, update. Each is a short sequence of
 * the steps implemented in the other core files. */
#include <string.h>

#include "backup.h"
#include "cache.h"
#include "errlog.h"
#include "fetch.h"
#include "fsutil.h"
#include "gate.h"
#include "github.h"
#include "health.h"
#include "install.h"
#include "link_policy.h"
#include "log.h"
#include "manifest_plan.h"
#include "mirror.h"
#include "ota/ota_link.h"
#include "plan.h"
#include "plan_check.h"
#include "release.h"
#include "resources.h"
#include "revert.h"
#include "sidecar.h"
#include "state.h"
#include "status_led.h"
#include "strbuf.h"
#include "tree.h"
#include "trial.h"
#include "watchdog.h"

#define FS (&ctx->port->fs)
#define USER (ctx->port->user)

static const char *or_default(const char *v, const char *dflt)
{
    return v && v[0] ? v : dflt;
}

static int has_github(const struct ota_settings *s)
{
    return s->owner && s->owner[0] && s->repo && s->repo[0];
}

static int has_mirror(const struct ota_settings *s)
{
    return s->mirror_url && s->mirror_url[0];
}

/* A source to follow: GitHub (owner and repo), a mirror, or both. */
static int settings_valid(const struct ota_settings *s)
{
    return (has_github(s) || has_mirror(s)) &&
           (s->channel == OTA_CHANNEL_DEVELOPER || s->channel == OTA_CHANNEL_STABLE);
}

int ota_init(struct ota_ctx *ctx, const struct ota_port *port,
             const struct ota_settings *settings, uint8_t *buf, size_t buf_size)
{
    struct ota_settings *s = &ctx->settings;

    if (!ctx || !port || !settings || !buf || buf_size < OTA_MIN_BUFFER)
        return OTA_ERR_INVALID_ARG;
    memset(ctx, 0, sizeof *ctx);
    ctx->port = port;
    *s = *settings;
    if (!settings_valid(s))
        return ota_fail(ctx, OTA_ERR_CONFIG,
                        "owner and repo (or a mirror_url), and channel are required", NULL, NULL);
    if (has_mirror(s) && !(s->public_key && s->public_key[0]))
        return ota_fail(ctx, OTA_ERR_CONFIG,
                        "a mirror is trusted through signed manifests: public_key is required",
                        NULL, NULL);
    s->owner = or_default(s->owner, "");
    s->repo = or_default(s->repo, "");
    s->branch = or_default(s->branch, "main");
    s->stage_dir = or_default(s->stage_dir, ".ota_stage");
    s->backup_dir = or_default(s->backup_dir, ".ota_backup");
    s->api_url = or_default(s->api_url, "https://api.github.com");
    s->raw_url = or_default(s->raw_url, "https://raw.githubusercontent.com");
    s->web_url = or_default(s->web_url, "https://github.com");
    s->user_agent = or_default(s->user_agent, "ota/" OTA_VERSION_STRING);
    if (s->max_backoff_sec == 0)
        s->max_backoff_sec = 60;
    if (s->max_trial_boots == 0)
        s->max_trial_boots = OTA_DEFAULT_TRIAL_BOOTS;
    /* state lines are read in the first part, file contents in the rest */
    ctx->lines_buf = (char *)buf;
    ctx->lines_size = OTA_MIN_BUFFER / 2;
    ctx->io_buf = buf + ctx->lines_size;
    ctx->io_size = buf_size - ctx->lines_size;
    return OTA_OK;
}

void ota_set_event_cb(struct ota_ctx *ctx, ota_event_cb cb, void *arg)
{
    ctx->on_event = cb;
    ctx->event_arg = arg;
}

void ota_set_links(struct ota_ctx *ctx, struct ota_links *links)
{
    ctx->links = links;
}

const char *ota_reason(const struct ota_ctx *ctx)
{
    return ctx->reason;
}

const struct ota_stats *ota_last_stats(const struct ota_ctx *ctx)
{
    return &ctx->stats;
}

static void begin_call(struct ota_ctx *ctx)
{
    ctx->reason[0] = '\0';
    memset(&ctx->stats, 0, sizeof ctx->stats);
    ctx->delta_index = 0;
    ctx->from_mirror = 0;
    if (ctx->links) /* the preferred link first again: WiFi may be back */
        ota_links_reset(ctx->links);
    /* a watchdog that cannot start must not stop updates: said, not fatal */
    if (ota_watchdog_arm(ctx) != OTA_OK) {
        ota_log(ctx, OTA_LOG_WARN, ctx->reason, NULL, NULL);
        ctx->reason[0] = '\0';
    }
}

/* Failures are kept in ota_error.json for post-mortem debugging. */
static int record_failure(struct ota_ctx *ctx, const char *phase, int err)
{
    if (err != OTA_OK) {
        if (!ctx->reason[0])
            ota_fail(ctx, err, ota_strerror(err), NULL, NULL);
        ota_log(ctx, OTA_LOG_ERROR, phase, ": ", ctx->reason);
        (void)ota_errlog_append(ctx, phase, err, ctx->reason);
        ota_led_show(ctx, OTA_LED_FAILURE);
    }
    return err;
}

/* Brings the device to exactly one version: a swap past its commit point
 * is completed (one before it thrown away), an interrupted revert finished.
 * Every phase begins here. */
static int recover(struct ota_ctx *ctx)
{
    int completed, resumed;
    int err = ota_install_recover(ctx, &completed);

    return err == OTA_OK ? ota_revert_resume(ctx, &resumed) : err;
}

/* A phase that settles the device first, then takes its own step. */
static int settled(struct ota_ctx *ctx, const char *phase, int (*step)(struct ota_ctx *ctx))
{
    int err;

    begin_call(ctx);
    err = recover(ctx);
    if (err == OTA_OK)
        err = step(ctx);
    return record_failure(ctx, phase, err);
}

static int revert_on_request(struct ota_ctx *ctx)
{
    return ota_revert(ctx, "manual");
}

/* A start: the trial counted (a version never confirmed reverted: that
 * counts as a crash), and the health record told. */
static int boot_step(struct ota_ctx *ctx)
{
    int err;

    ctx->trial_reverted = 0;
    err = ota_trial_boot(ctx);
    ota_gate_booted(ctx, ctx->trial_reverted, OTA_ERR_NOT_CONFIRMED);
    return err;
}

/* The application works: the previous version can go, the crashes end. */
static int confirm_step(struct ota_ctx *ctx)
{
    int err = ota_backup_drop(ctx);

    if (err == OTA_OK)
        (void)ota_gate_health_report(ctx, 1, 0);
    return err;
}

int ota_boot(struct ota_ctx *ctx)
{
    return settled(ctx, "boot", boot_step);
}

int ota_confirm(struct ota_ctx *ctx)
{
    return settled(ctx, "confirm", confirm_step);
}

int ota_report_crash(struct ota_ctx *ctx, int err)
{
    begin_call(ctx);
    return ota_gate_health_report(ctx, 0, err);
}

int ota_report_healthy(struct ota_ctx *ctx)
{
    begin_call(ctx);
    return ota_gate_health_report(ctx, 1, 0);
}

int ota_read_health(struct ota_ctx *ctx, struct ota_health *out)
{
    begin_call(ctx);
    return ota_health_load(ctx, out);
}

int ota_accept_notice(struct ota_ctx *ctx, const uint8_t *frame, size_t len,
                      const uint8_t *key, size_t key_len, int *news)
{
    begin_call(ctx);
    return record_failure(ctx, "notice", ota_gate_notice(ctx, frame, len, key, key_len, news));
}

int ota_explain(struct ota_ctx *ctx, struct ota_decision *out)
{
    struct ota_result r;
    int err;

    begin_call(ctx);
    memset(&r, 0, sizeof r);
    err = ota_gate_before_check(ctx, &r);
    *out = r.decision;
    return err;
}

int ota_rollback(struct ota_ctx *ctx)
{
    return settled(ctx, "rollback", revert_on_request);
}

/* Which ref the channel follows now (the branch, the pinned tag, or the
 * latest release's tag) and its commit. When the latest release is
 * confirmed unchanged (304), the tag's remembered commit is used without a
 * second request: a no-op check of the stable channel is one request. */
static const char *pinned_tag(const struct ota_settings *s)
{
    return s->tag && s->tag[0] ? s->tag : NULL;
}

/* The stable channel's release; fresh: without revalidating a remembered
 * answer (whose 304 names the tag but not the assets). */
static int get_release(struct ota_ctx *ctx, int fresh, struct ota_release *rel)
{
    const char *pinned = pinned_tag(&ctx->settings);
    int err = ota_release_get(ctx, pinned, fresh, rel);

    if (err == OTA_ERR_HTTP_NOT_FOUND && pinned) {
        /* a plain git tag without a release: manifestless from the tag */
        ctx->reason[0] = '\0';
        memset(rel, 0, sizeof *rel);
        err = ota_copy_str(rel->tag, sizeof rel->tag, pinned, strlen(pinned));
    }
    return err;
}

static int resolve_on_github(struct ota_ctx *ctx, struct ota_result *out,
                             struct ota_release *rel)
{
    const struct ota_settings *s = &ctx->settings;
    const char *ref = s->branch;
    int err;

    memset(rel, 0, sizeof *rel);
    if (s->channel == OTA_CHANNEL_STABLE) {
        err = get_release(ctx, 0, rel);
        if (err != OTA_OK)
            return err;
        ref = rel->tag;
    }
    err = ota_copy_str(out->ref, sizeof out->ref, ref, strlen(ref));
    if (err != OTA_OK)
        return ota_fail(ctx, err, "ref too long", NULL, NULL);
    if (s->channel == OTA_CHANNEL_STABLE && rel->unchanged &&
        ota_github_remembered_commit(ctx, out->ref, out->commit))
        return OTA_OK;
    return ota_github_resolve(ctx, out->ref, out->commit);
}

/* Worth asking the other source: this one is down, broken or lacks it. */
static int source_failed(int err)
{
    return err == OTA_ERR_NETWORK || err == OTA_ERR_TIMEOUT || err == OTA_ERR_TRUNCATED ||
           err == OTA_ERR_SERVER || err == OTA_ERR_HTTP_NOT_FOUND || err == OTA_ERR_HTTP_STATUS ||
           err == OTA_ERR_RATE_LIMITED || err == OTA_ERR_BAD_RESPONSE || err == OTA_ERR_REDIRECTS;
}

static int resolve_on(struct ota_ctx *ctx, int mirror, struct ota_result *out,
                      struct ota_release *rel)
{
    ctx->from_mirror = (uint8_t)mirror;
    return mirror ? ota_mirror_resolve(ctx, out, rel) : resolve_on_github(ctx, out, rel);
}

/* The configured source first; when it fails and the other is configured
 * too, the other (a fleet's mirror down: GitHub; GitHub rate limited: the
 * mirror). The rest of the update uses the one that answered. */
static int resolve_target(struct ota_ctx *ctx, struct ota_result *out, struct ota_release *rel)
{
    const struct ota_settings *s = &ctx->settings;
    int first = has_mirror(s) && (s->mirror_first || !has_github(s));
    int err = resolve_on(ctx, first, out, rel);

    if (err == OTA_OK || !source_failed(err) || !(first ? has_github(s) : has_mirror(s)))
        return err;
    ota_log(ctx, OTA_LOG_WARN, first ? "mirror failed, trying GitHub: "
                                     : "GitHub failed, trying the mirror: ", ctx->reason, NULL);
    ctx->reason[0] = '\0';
    return resolve_on(ctx, !first, out, rel);
}

/* After a rate limit the server named a time before which asking again is
 * pointless (and would prolong the penalty): until then, no request. */
static int deferred(struct ota_ctx *ctx)
{
    int64_t until = ota_cache_deferred_until(ctx);
    int64_t now = ctx->port->sys.time_now ? ctx->port->sys.time_now(ctx->port->user) : 0;
    char when[24];
    struct ota_strbuf sb;

    if (until == 0 || now >= until)
        return OTA_OK;
    ota_sb_init(&sb, when, sizeof when);
    ota_sb_add_i64(&sb, until - now);
    return ota_fail(ctx, OTA_ERR_RATE_LIMITED, "rate limited by the server: next attempt in ",
                    when, " s (deferred, no request sent)");
}

/* Keeps or clears the deferral according to how the last call ended. */
static void note_rate_limit(struct ota_ctx *ctx, int err)
{
    if (err == OTA_ERR_RATE_LIMITED && ctx->defer_until > 0)
        (void)ota_cache_defer(ctx, ctx->defer_until);
    else if (err == OTA_OK && ota_cache_deferred_until(ctx) != 0)
        (void)ota_cache_defer(ctx, 0);
}

/* What version.json says, into out; installed keeps the rest. */
static void read_installed(struct ota_ctx *ctx, struct ota_result *out,
                           struct ota_version *installed)
{
    if (ota_version_read(ctx, installed) != OTA_OK)
        ota_log(ctx, OTA_LOG_WARN, OTA_VERSION_FILE " is corrupt: treating the device as empty",
                NULL, NULL);
    memcpy(out->installed_commit, installed->commit, OTA_SHA1_HEX);
    memcpy(out->ref, installed->ref, sizeof out->ref);
    out->has_sequence = installed->has_sequence;
    out->sequence = installed->sequence;
    memcpy(out->post_update, installed->post_update, sizeof out->post_update);
    if (ota_trial_status(ctx, out) != OTA_OK)
        ota_log(ctx, OTA_LOG_WARN, "cannot read the trial state", NULL, NULL);
}

static int has_manifest(const struct ota_ctx *ctx, const struct ota_release *rel)
{
    return rel->mirror || (ctx->settings.channel == OTA_CHANNEL_STABLE && rel->manifest_id != 0);
}

static int canary_now(struct ota_ctx *ctx, const struct ota_release *rel,
                      struct ota_result *out)
{
    int32_t share = -1;

    if (ota_gate_remembered_share(ctx, out->commit, &share))
        return ota_gate_release(ctx, out->commit, share, out);
    /* a manifest may set the share: not known before it is (a release
     * answered 304 is known by its tag alone, manifest or not) */
    if (has_manifest(ctx, rel) || (ctx->settings.channel == OTA_CHANNEL_STABLE && rel->unchanged))
        return OTA_OK;
    return ota_gate_release(ctx, out->commit, -1, out);
}

static int check(struct ota_ctx *ctx, struct ota_result *out, struct ota_release *rel,
                 struct ota_version *installed)
{
    int err;

    memset(out, 0, sizeof *out);
    read_installed(ctx, out, installed);
    err = deferred(ctx);
    if (err == OTA_OK && !ctx->settings.force)
        err = ota_gate_before_check(ctx, out); /* not now: not one request */
    if (err != OTA_OK)
        return err;
    ota_led_show(ctx, OTA_LED_CONNECTING);
    err = resolve_target(ctx, out, rel);
    note_rate_limit(ctx, err);
    if (err == OTA_OK)
        ota_led_show(ctx, OTA_LED_CONNECTED);
    if (err == OTA_OK)
        out->update_available = strcmp(out->commit, out->installed_commit) != 0;
    /* a version that was rolled back comes again only when forced: else
     * every check would reinstall it and every trial revert it */
    if (err == OTA_OK && out->update_available && !ctx->settings.force &&
        strcmp(out->commit, out->reverted) == 0)
        out->update_available = 0;
    /* the canary with the configured share; a release with a manifest is
     * judged once its manifest, which may set the share, is verified (or
     * with the share it set, remembered from then) */
    if (err == OTA_OK && out->update_available && !ctx->settings.force)
        err = canary_now(ctx, rel, out);
    ota_gate_checked(ctx, err); /* a request went out: the interval counts */
    return err;
}

int ota_installed(struct ota_ctx *ctx, struct ota_result *out)
{
    struct ota_version v;
    int err;

    begin_call(ctx);
    memset(out, 0, sizeof *out);
    err = ota_version_read(ctx, &v);
    read_installed(ctx, out, &v);
    return err;
}

/* A call that used the network ends with its link down (a modem left
 * attached costs power and, on some plans, money). */
static int network_call_done(struct ota_ctx *ctx, const char *phase, int err)
{
    if (ctx->links)
        ota_links_disconnect(ctx->links);
    return record_failure(ctx, phase, err);
}

int ota_check(struct ota_ctx *ctx, struct ota_result *out)
{
    struct ota_release rel;
    struct ota_version installed;

    begin_call(ctx);
    return network_call_done(ctx, "check", check(ctx, out, &rel, &installed));
}

/* Tree body consumer: every blob goes to the planner. */
struct tree_plan {
    struct ota_tree_reader reader;
    struct ota_planner planner;
};

static int tree_blob(void *arg, struct ota_entry *e)
{
    struct tree_plan *tp = arg;

    return ota_plan_file(&tp->planner, e, NULL);
}

static int tp_begin(void *arg)
{
    struct tree_plan *tp = arg;
    struct ota_ctx *ctx = tp->planner.ctx;

    ota_plan_abort(&tp->planner); /* a retried listing starts a fresh plan */
    ota_tree_init(&tp->reader, ctx, tree_blob, tp);
    return ota_plan_begin(&tp->planner, ctx, ctx->io_buf, ctx->io_size);
}

static int tp_data(void *arg, const uint8_t *p, size_t n)
{
    struct tree_plan *tp = arg;

    return ota_tree_feed(&tp->reader, p, n);
}

static int tp_end(void *arg)
{
    struct tree_plan *tp = arg;
    int err = ota_tree_finish(&tp->reader);

    return err == OTA_OK ? ota_plan_end(&tp->planner) : err;
}

static int plan_tree(struct ota_ctx *ctx, const char *commit, struct ota_plan_totals *totals)
{
    struct tree_plan tp;
    struct ota_body body = {tp_begin, tp_data, tp_end, NULL, NULL};
    int err;

    memset(&tp, 0, sizeof tp);
    tp.planner.ctx = ctx;
    tp.planner.plan_fd = tp.planner.state_fd = tp.planner.installed.fd = -1;
    body.arg = &tp;
    err = ota_github_tree(ctx, commit, &body);
    ota_plan_abort(&tp.planner);
    *totals = tp.planner.totals;
    if (err == OTA_OK && totals->fetch_count > 0 && ctx->settings.sha256_sidecar &&
        ctx->settings.sha256_sidecar[0])
        err = ota_sidecar_fetch(ctx, commit);
    return err;
}

/* Manifest mode: the release's manifest, authenticated and fresh, is the
 * list of files; version.json will carry its sequence and hooks. */
static int plan_manifest(struct ota_ctx *ctx, const struct ota_release *rel,
                         struct ota_version *next, struct ota_plan_totals *totals,
                         struct ota_result *out)
{
    struct ota_manifest_staged m;
    int err = ota_manifest_stage(ctx, rel, next, &m);

    /* the canary, with the share the signed manifest may set */
    if (err == OTA_OK)
        ota_gate_remember_share(ctx, next->commit, m.rollout_percent);
    if (err == OTA_OK && !ctx->settings.force)
        err = ota_gate_release(ctx, next->commit, m.rollout_percent, out);
    return err == OTA_OK ? ota_manifest_plan(ctx, &m, totals) : err;
}

/* The files of the target: from the release manifest when there is one,
 * else from the git tree at the commit. */
static int plan_target(struct ota_ctx *ctx, struct ota_release *rel, struct ota_version *next,
                       struct ota_plan_totals *totals, struct ota_result *out)
{
    const struct ota_settings *s = &ctx->settings;
    int err = OTA_OK;

    if (rel->mirror)
        return plan_manifest(ctx, rel, next, totals, out);
    if (s->channel != OTA_CHANNEL_STABLE)
        return plan_tree(ctx, next->commit, totals);
    if (rel->unchanged)
        err = get_release(ctx, 1, rel);
    if (err == OTA_OK && rel->manifest_id)
        return plan_manifest(ctx, rel, next, totals, out);
    if (err == OTA_OK && s->public_key && s->public_key[0])
        return ota_fail(ctx, OTA_ERR_SIGNATURE, "release ", rel->tag,
                        " has no " OTA_MANIFEST_ASSET " (public_key requires signed releases)");
    return err == OTA_OK ? plan_tree(ctx, next->commit, totals) : err;
}

/* A fresh, empty stage. (The previous version's backup stays until the
 * commit point: a failed download must not cost the running version its
 * way back.) */
static int prepare_stage(struct ota_ctx *ctx)
{
    int err = ota_install_discard(ctx);

    /* ota_mkdirs_for creates the parents of a path: give it "<stage>/." */
    if (err == OTA_OK)
        err = ota_join(ctx->path_a, sizeof ctx->path_a, ctx->settings.stage_dir, ".");
    if (err == OTA_OK)
        err = ota_mkdirs_for(ctx, ctx->path_a);
    if (err != OTA_OK)
        return ota_fail(ctx, err, "cannot prepare ", ctx->settings.stage_dir, NULL);
    return OTA_OK;
}

static void emit_planned(struct ota_ctx *ctx, struct ota_event *ev,
                         const struct ota_plan_totals *totals)
{
    ctx->stats.files_unchanged = totals->keep_count;
    ev->type = OTA_EVENT_PLANNED;
    ev->files_total = totals->fetch_count;
    ev->bytes_total = totals->fetch_bytes;
    ota_emit(ctx, ev);
}

static void report_installed(struct ota_ctx *ctx, struct ota_event *ev, struct ota_result *out,
                             const struct ota_version *next)
{
    out->installed = 1;
    out->has_sequence = next->has_sequence;
    out->sequence = next->sequence;
    memcpy(out->post_update, next->post_update, sizeof out->post_update);
    ev->type = OTA_EVENT_INSTALLED;
    ota_emit(ctx, ev);
    ota_led_show(ctx, OTA_LED_SUCCESS);
}

struct update_work {
    struct ota_release rel;
    struct ota_version next; /* version.json now, then as it will be */
    struct ota_plan_totals totals;
    struct ota_event ev;
};

static int update(struct ota_ctx *ctx, struct ota_result *out)
{
    struct update_work w;
    /* a swap interrupted after its commit point is finished first, never
     * thrown away with the stage */
    int err = recover(ctx);

    if (err == OTA_OK)
        err = check(ctx, out, &w.rel, &w.next);
    if (err != OTA_OK || (!out->update_available && !ctx->settings.force))
        return err;
    memset(&w.ev, 0, sizeof w.ev);
    /* next keeps the installed sequence for the manifest's freshness check */
    memset(w.next.post_update, 0, sizeof w.next.post_update);
    memset(w.next.rollback, 0, sizeof w.next.rollback);
    memcpy(w.next.commit, out->commit, OTA_SHA1_HEX);
    memcpy(w.next.ref, out->ref, sizeof w.next.ref);
    w.ev.type = OTA_EVENT_RESOLVED;
    w.ev.commit = out->commit;
    ota_emit(ctx, &w.ev);
    err = prepare_stage(ctx);
    ctx->target_ref = out->ref; /* where the release's deltas are */
    if (err == OTA_OK)
        err = plan_target(ctx, &w.rel, &w.next, &w.totals, out);
    if (err == OTA_OK)
        err = ota_plan_check_layout(ctx);
    if (err == OTA_OK)
        err = ota_check_free_space(ctx, &w.totals);
    if (err == OTA_OK)
        err = ota_cost_check(ctx, out->commit);
    if (err == OTA_OK) {
        out->manifest = w.rel.manifest_id != 0;
        emit_planned(ctx, &w.ev, &w.totals);
        err = ota_fetch_planned(ctx, out->commit, w.totals.fetch_count);
    }
    ctx->target_ref = NULL;
    if (err != OTA_OK) {
        (void)ota_install_discard(ctx); /* nothing was committed: stay as we are */
        return err;
    }
    err = ota_install_commit(ctx, &w.next);
    if (err == OTA_OK) {
        ota_gate_installed(ctx);
        report_installed(ctx, &w.ev, out, &w.next);
    }
    return err;
}

int ota_update(struct ota_ctx *ctx, struct ota_result *out)
{
    begin_call(ctx);
    return network_call_done(ctx, "update", update(ctx, out));
}
