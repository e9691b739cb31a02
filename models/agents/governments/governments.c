/*
 * governments.c - countries that choose their moves (DESIGN section 3b).
 *
 * A country listed in the `governments` block reviews its menu of
 * **actions** (events, sanction measures and hubs declared with
 * `start = "decided"` and this country as `owner`) every `review` periods
 * from `first`, in the listed order, and takes at most one move per review:
 * the action whose gain, judged by the run's pure look-ahead, is largest
 * (temperature 0) or a logit draw from the run's governments stream
 * (temperature > 0).  A move may also drop a reversible action it took.
 *
 * The module is first in the pipeline, so in period t it reads the end of
 * period t-1 (flows in w->X, memberships, enforcement levels, markups).
 * It owns no economics: the items stay their modules', which declare every
 * item to this module's view in their init (governments_view in views.h)
 * and ask it each step for the item's window (the decided start, a decided
 * drop, and the end that a `stop` event puts on it).  A decided action
 * then behaves exactly like one dated at its decided start.
 *
 * Look-ahead: the value of a policy set is the look-ahead equilibrium
 * (model_lookahead.eval_set) of
 *   - every item in force at t-1 (dated windows, decisions already in
 *     effect), sanctions at their current enforcement, plus
 *   - every decided action taken and still pending in its lag, sanctions at
 *     full enforcement (their configured e, ramp complete), pending
 *     joins/exits and financial revocations as forced payment operations,
 *     and pending stops switching their item off,
 * with the candidate's change on top.  Dated changes after t-1 are not
 * anticipated.
 *
 * Objective of government g (weights default 0 except welfare = 1):
 *   U_g = welfare ln W_g + pressure mean_{T in targets} (-ln W_T)
 *         + allies mean_{A in allied} ln W_A - autonomy sum_{j in from} D_gj
 * with D_gj g's import dependence on j over all sectors, transfers in force
 * counted as imports.  Gain dU_a = U_g(with a) - U_g(status quo) - cost_a;
 * a partner that is a government judges by its own objective, any other by
 * its welfare, without the cost; it consents when its gain >= -1e-9.
 *
 * Outputs (when there are actions): action_active, action_gain,
 * action_partner_gain, action_infeasible along `action`, and the decision
 * table (decision_period, decision_government, decision_action,
 * decision_gain, decision_kind) along `decision`, written at the end.
 */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rng.h"
#include "scenario.h"
#include "world.h"

#define GOV_EPS 1e-9 /* gains within this are ties; consent tolerance */
#define GOV_MAX_REVIEW 100000

enum { ACT_OPEN = 0, ACT_TAKEN = 1, ACT_DROPPED = 2 };

typedef struct gov_objective {
    double welfare, pressure, allies, autonomy;
    unsigned char *targets, *allied, *from; /* nc masks */
    int ntargets, nallied;
} gov_objective;

typedef struct gov_country {
    int country;
    gov_objective obj;
} gov_country;

/* A declared item (every event, measure and hub), in declaration order. */
typedef struct gov_entry {
    gov_item it;
    int action;    /* index into actions, -1: not decided */
    int stops;     /* a stop event: the entry it ends (-1: none) */
    int is_stop;   /* an event of type stop */
} gov_entry;

typedef struct gov_action {
    int entry;
    int owner, partner; /* partner -1: none (explicit, else a hub's via or a join's home) */
    int lag, reversible;
    double cost;
    int state;          /* ACT_* */
    int start, end;     /* decided window (SC_END_NEVER until taken / dropped) */
} gov_action;

typedef struct governments {
    const scenario *sc;
    struct world *w;
    model_views *views;
    model_lookahead la;
    governments_view view;
    int review, first;
    double temperature, threshold;
    int ngov;
    gov_country *gov;
    int *gov_of;          /* nc: index into gov, -1 */

    int nent, entcap;
    gov_entry *ent;
    int *ent_of[GOV_KINDS]; /* item index -> entry */
    int ent_n[GOV_KINDS], ent_cap[GOV_KINDS];

    int nact;
    gov_action *act;
    char **act_name;      /* nact labels (point into the config) */
    int *fin_sys;         /* nsanctions: payment system a measure revokes (-1) */
    int *ev_sys;          /* nevents: system of a join/exit (-1) */

    /* outputs */
    int *out_active, *out_infeasible;
    double *out_gain, *out_pgain;
    int ndec, deccap;
    int *dec_period;
    char **dec_gov, **dec_act, **dec_kind, **dec_label;
    double *dec_gain;

    /* scratch of one evaluation */
    unsigned char *event_on, *hub_on;
    double *level;
    la_payop *payops;
    int paycap;
    double *wel, *X, *T;  /* nc, nc*nc*ns, nc*nc */
    double *sq_wel, *sq_X, *sq_T;
    int *cand_a, *cand_take; /* nact: candidates of one review, in action order */
    double *cand_u;
    gsl_rng *rng;
} governments;

/* ---- the view: declarations and windows -------------------------------- */

static int gov_add_entry(governments *G, const gov_item *it, errbuf *e)
{
    int k = it->kind;
    if (k < 0 || k >= GOV_KINDS || it->index < 0)
        return err_set(e, SANC_EINTERNAL, "governments: bad item %d/%d", k, it->index);
    if (G->nent == G->entcap) {
        int cap = G->entcap ? 2 * G->entcap : 32;
        gov_entry *p = realloc(G->ent, (size_t)cap * sizeof *p);
        if (p == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        G->ent = p;
        G->entcap = cap;
    }
    if (it->index >= G->ent_cap[k]) {
        int cap = it->index + 32;
        int *p = realloc(G->ent_of[k], (size_t)cap * sizeof *p);
        if (p == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        for (int i = G->ent_cap[k]; i < cap; i++)
            p[i] = -1;
        G->ent_of[k] = p;
        G->ent_cap[k] = cap;
    }
    if (it->index >= G->ent_n[k])
        G->ent_n[k] = it->index + 1;
    G->ent_of[k][it->index] = G->nent;
    gov_entry *en = &G->ent[G->nent++];
    memset(en, 0, sizeof *en);
    en->it = *it;
    en->action = -1;
    en->stops = -1;
    return SANC_OK;
}

static const config_setting_t *gov_where(const gov_item *it, const char *key)
{
    const config_setting_t *s = it->where ? config_setting_get_member(it->where, key) : NULL;
    return s ? s : it->where;
}

static int gov_fail(const governments *G, const gov_item *it, const char *key, errbuf *e, const char *msg,
                    const char *arg)
{
    const config_setting_t *s = gov_where(it, key);
    if (s != NULL)
        return cfg_fail(s, e, msg, arg);
    char buf[256];
    snprintf(buf, sizeof buf, msg, arg);
    return err_set(e, SANC_ECONFIG, "%s: %s: %s", G->sc->cfg.path, it->name, buf);
}

static int gov_declare(void *self, const gov_item *it, errbuf *e)
{
    governments *G = self;
    int rc = gov_add_entry(G, it, e);
    if (rc != SANC_OK)
        return rc;
    const sc_decision *d = it->dec;
    if (d == NULL || !d->decided)
        return SANC_OK;
    char *const *cc = G->sc->country;
    if (G->gov_of[d->owner] < 0)
        return gov_fail(G, it, "owner", e, "owner '%s' is not a government (not in governments.countries)",
                        cc[d->owner]);
    if (it->kind == GOV_SANCTION && it->senders != NULL && !it->senders[d->owner])
        return gov_fail(G, it, "owner", e, "owner '%s' is not among the measure's senders", cc[d->owner]);
    if (it->targets != NULL && it->targets[d->owner])
        return gov_fail(G, it, "owner", e, "owner '%s' is a target of the action", cc[d->owner]);
    if (it->targets != NULL && d->partner >= 0 && it->targets[d->partner])
        return gov_fail(G, it, "partner", e, "partner '%s' is a target of the action", cc[d->partner]);
    gov_action *p = realloc(G->act, (size_t)(G->nact + 1) * sizeof *p);
    if (p == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    G->act = p;
    gov_action *a = &G->act[G->nact];
    memset(a, 0, sizeof *a);
    a->entry = G->nent - 1;
    a->owner = d->owner;
    a->partner = d->partner;
    if (a->partner < 0 && it->implicit_partner >= 0 && it->implicit_partner != d->owner)
        a->partner = it->implicit_partner;
    a->lag = d->lag;
    a->cost = d->cost;
    a->reversible = d->reversible;
    a->state = ACT_OPEN;
    a->start = a->end = SC_END_NEVER;
    G->ent[a->entry].action = G->nact++;
    return SANC_OK;
}

/* Effective window of an entry: a decided action's own, then the stops
 * that have a start (dated, or decided and taken) cut its end. */
static void gov_entry_window(const governments *G, int ei, int *start, int *end)
{
    const gov_entry *en = &G->ent[ei];
    int s = en->it.start, e = en->it.end;
    if (en->action >= 0) {
        const gov_action *a = &G->act[en->action];
        s = a->start;
        e = a->end;
    }
    for (int q = 0; q < G->nent; q++) {
        const gov_entry *st = &G->ent[q];
        if (!st->is_stop || st->stops != ei)
            continue;
        int ss = st->it.start;
        if (st->action >= 0)
            ss = G->act[st->action].start;
        if (ss < e)
            e = ss;
    }
    *start = s;
    *end = e;
}

static void gov_window(const void *self, int kind, int index, int *start, int *end)
{
    const governments *G = self;
    if (kind < 0 || kind >= GOV_KINDS || index < 0 || index >= G->ent_n[kind])
        return;
    int ei = G->ent_of[kind][index];
    if (ei >= 0)
        gov_entry_window(G, ei, start, end);
}

/* ---- settings ---------------------------------------------------------- */

static int gov_set_mask(const scenario *sc, const config_setting_t *g, const char *key, double weight,
                        const char *wkey, unsigned char **mask, int *count, errbuf *e)
{
    *mask = calloc((size_t)sc->nc, 1);
    if (*mask == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    int rc = scenario_country_set(sc, g, key, 0, *mask, e);
    if (rc < 0)
        return rc;
    int n = 0;
    for (int i = 0; i < sc->nc; i++)
        n += (*mask)[i] != 0;
    if (count)
        *count = n;
    if (weight != 0.0 && n == 0)
        return cfg_fail(config_setting_get_member(g, wkey), e, "needs a non-empty `%s` list", key);
    return SANC_OK;
}

static int gov_read_objective(const scenario *sc, const config_setting_t *cg, gov_objective *o, errbuf *e)
{
    static const char *const keys[] = {"welfare", "pressure", "targets", "allies", "allied", "autonomy",
                                       "from", NULL};
    o->welfare = 1.0;
    config_setting_t *og = NULL;
    int rc = cfg_get_group(cg, "objective", 0, &og, e);
    if (rc < 0)
        return rc;
    if (og != NULL) {
        if ((rc = cfg_check_keys(og, keys, e)) != SANC_OK)
            return rc;
        if ((rc = cfg_get_double(og, "welfare", 0, &o->welfare, e)) < 0 ||
            (rc = cfg_get_double(og, "pressure", 0, &o->pressure, e)) < 0 ||
            (rc = cfg_get_double(og, "allies", 0, &o->allies, e)) < 0 ||
            (rc = cfg_get_double(og, "autonomy", 0, &o->autonomy, e)) < 0)
            return rc;
    }
    const config_setting_t *src = og ? og : cg;
    if ((rc = gov_set_mask(sc, src, "targets", o->pressure, "pressure", &o->targets, &o->ntargets, e)) != SANC_OK ||
        (rc = gov_set_mask(sc, src, "allied", o->allies, "allies", &o->allied, &o->nallied, e)) != SANC_OK ||
        (rc = gov_set_mask(sc, src, "from", o->autonomy, "autonomy", &o->from, NULL, e)) != SANC_OK)
        return rc;
    return SANC_OK;
}

static int gov_read_block(governments *G, const config_setting_t *b, errbuf *e)
{
    static const char *const keys[] = {"review", "first", "temperature", "threshold", "countries", NULL};
    static const char *const ckeys[] = {"country", "objective", NULL};
    const scenario *sc = G->sc;
    int rc = cfg_check_keys(b, keys, e);
    if (rc != SANC_OK)
        return rc;
    int64_t v = 3;
    if ((rc = cfg_get_int(b, "review", 0, 1, GOV_MAX_REVIEW, &v, e)) < 0)
        return rc;
    G->review = (int)v;
    v = 1;
    if ((rc = cfg_get_int(b, "first", 0, 1, SC_END_NEVER - 1, &v, e)) < 0)
        return rc;
    G->first = (int)v;
    if ((rc = cfg_get_double(b, "temperature", 0, &G->temperature, e)) < 0)
        return rc;
    if (!(G->temperature >= 0.0))
        return cfg_fail(config_setting_get_member(b, "temperature"), e, "must be >= 0 (got %g)", G->temperature);
    if ((rc = cfg_get_double(b, "threshold", 0, &G->threshold, e)) < 0)
        return rc;
    config_setting_t *list = NULL;
    if ((rc = cfg_get_list(b, "countries", 1, &list, e)) != SANC_OK)
        return rc;
    int n = config_setting_length(list);
    if (n == 0)
        return cfg_fail(list, e, "empty list of governments");
    G->gov = calloc((size_t)n, sizeof *G->gov);
    if (G->gov == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int q = 0; q < n; q++) {
        config_setting_t *cg = config_setting_get_elem(list, (unsigned)q);
        gov_country *gc = &G->gov[q];
        G->ngov = q + 1;
        if (config_setting_type(cg) != CONFIG_TYPE_GROUP)
            return cfg_fail(cg, e, "expected a group { country = \"XXX\"; objective = {...}; }");
        if ((rc = cfg_check_keys(cg, ckeys, e)) != SANC_OK ||
            (rc = scenario_country(sc, cg, "country", 1, &gc->country, e)) != SANC_OK)
            return rc;
        if (G->gov_of[gc->country] >= 0)
            return cfg_fail(config_setting_get_member(cg, "country"), e, "government '%s' listed twice",
                            sc->country[gc->country]);
        G->gov_of[gc->country] = q;
        if ((rc = gov_read_objective(sc, cg, &gc->obj, e)) != SANC_OK)
            return rc;
    }
    return SANC_OK;
}

/* ---- outputs ----------------------------------------------------------- */

static int gov_add_decision(governments *G, int t, int a, double gain, const char *kind, errbuf *e)
{
    if (G->ndec == G->deccap) {
        int cap = G->deccap ? 2 * G->deccap : 16;
        int *per = realloc(G->dec_period, (size_t)cap * sizeof *per);
        if (per) G->dec_period = per;
        char **g1 = realloc(G->dec_gov, (size_t)cap * sizeof *g1);
        if (g1) G->dec_gov = g1;
        char **g2 = realloc(G->dec_act, (size_t)cap * sizeof *g2);
        if (g2) G->dec_act = g2;
        char **g3 = realloc(G->dec_kind, (size_t)cap * sizeof *g3);
        if (g3) G->dec_kind = g3;
        char **g4 = realloc(G->dec_label, (size_t)cap * sizeof *g4);
        if (g4) G->dec_label = g4;
        double *gn = realloc(G->dec_gain, (size_t)cap * sizeof *gn);
        if (gn) G->dec_gain = gn;
        if (!per || !g1 || !g2 || !g3 || !g4 || !gn)
            return err_set(e, SANC_ENOMEM, "out of memory");
        G->deccap = cap;
    }
    int r = G->ndec;
    char lab[24];
    snprintf(lab, sizeof lab, "%d", r + 1);
    G->dec_period[r] = t;
    G->dec_gov[r] = G->sc->country[G->act[a].owner];
    G->dec_act[r] = G->act_name[a];
    G->dec_kind[r] = (char *)kind;
    G->dec_gain[r] = gain;
    if ((G->dec_label[r] = strdup(lab)) == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    G->ndec++;
    world_set_dim(G->w, DIM_DECISION, G->ndec, G->dec_label);
    return SANC_OK;
}

static int gov_register(governments *G, struct world *w, errbuf *e)
{
    size_t n = (size_t)G->nact;
    G->act_name = calloc(n, sizeof *G->act_name);
    G->out_active = calloc(n, sizeof *G->out_active);
    G->out_infeasible = calloc(n, sizeof *G->out_infeasible);
    G->out_gain = calloc(n, sizeof *G->out_gain);
    G->out_pgain = calloc(n, sizeof *G->out_pgain);
    if (!G->act_name || !G->out_active || !G->out_infeasible || !G->out_gain || !G->out_pgain)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int a = 0; a < G->nact; a++)
        G->act_name[a] = (char *)G->ent[G->act[a].entry].it.name;
    world_set_dim(w, DIM_ACTION, G->nact, G->act_name);
    const schema_var vars[] = {
        {"action_active", "1", "decided action in force",
         "1 while the decided action is active (taken, started after its lag, not dropped or stopped), else 0",
         1, {DIM_ACTION}, 1, G->out_active},
        {"action_gain", "1", "gain of the action to its owner",
         "dU of taking the action at its owner's last review: owner's objective with the action minus without, "
         "minus the action's cost, on look-ahead equilibria (0 before the first review)",
         1, {DIM_ACTION}, 0, G->out_gain},
        {"action_partner_gain", "1", "gain of the action to its partner",
         "the partner's gain (its objective, or ln welfare if it is not a government) at the owner's last "
         "review; 0 without a partner or before the first review",
         1, {DIM_ACTION}, 0, G->out_pgain},
        {"action_infeasible", "1", "infeasible look-aheads",
         "number of the owner's reviews so far at which the look-ahead with the action had no equilibrium",
         1, {DIM_ACTION}, 1, G->out_infeasible},
    };
    int rc;
    for (size_t v = 0; v < sizeof vars / sizeof vars[0]; v++)
        if ((rc = world_add_var(w, &vars[v], e)) != SANC_OK)
            return rc;
    const schema_col cols[] = {
        {"decision_period", "1", "period of the decision", "period index at whose start the move was made",
         DIM_DECISION, SCHEMA_COL_INT, (const void *const *)&G->dec_period},
        {"decision_government", "1", "government", "country code of the government that moved", DIM_DECISION,
         SCHEMA_COL_STRING, (const void *const *)&G->dec_gov},
        {"decision_action", "1", "action", "name of the action taken or dropped", DIM_DECISION,
         SCHEMA_COL_STRING, (const void *const *)&G->dec_act},
        {"decision_gain", "1", "gain of the move", "dU of the move to the government (objective units)",
         DIM_DECISION, SCHEMA_COL_DOUBLE, (const void *const *)&G->dec_gain},
        {"decision_kind", "1", "kind of move", "\"taken\" or \"dropped\"", DIM_DECISION, SCHEMA_COL_STRING,
         (const void *const *)&G->dec_kind},
    };
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
        if ((rc = world_add_col(w, &cols[c], e)) != SANC_OK)
            return rc;
    return SANC_OK;
}

/* ---- policy sets ------------------------------------------------------- */

/* The state of action a, with the candidate change (mod_a, mod_state). */
static int gov_state(const governments *G, int a, int mod_a, int mod_state)
{
    return a == mod_a ? mod_state : G->act[a].state;
}

/* Is a taken action's change still ahead (pending) at a review of t, or
 * the candidate itself? */
static int gov_pending(const governments *G, int a, int t, int mod_a)
{
    return a == mod_a || G->act[a].start >= t;
}

/* Is entry ei in force for the look-ahead of a review at t?  Active at
 * t-1 by its window; a decided action by its state: taken and still
 * pending (or the candidate, starting at t + lag) counts when its window
 * will open at all (a stop that took effect before its start keeps it
 * shut); a taken stop still pending switches its item off. */
static int gov_in_force(const governments *G, int ei, int t, int mod_a, int mod_state)
{
    int s, e, on;
    gov_entry_window(G, ei, &s, &e);
    const gov_entry *en = &G->ent[ei];
    int a = en->action;
    if (a < 0) {
        on = s <= t - 1 && t - 1 < e;
    } else if (gov_state(G, a, mod_a, mod_state) != ACT_TAKEN) {
        on = 0;
    } else {
        if (a == mod_a)
            s = t + G->act[a].lag;
        on = s >= t ? e > s : t - 1 < e;
    }
    for (int q = 0; q < G->nent && on; q++) {
        const gov_entry *sp = &G->ent[q];
        if (!sp->is_stop || sp->stops != ei || sp->action < 0)
            continue;
        if (gov_state(G, sp->action, mod_a, mod_state) == ACT_TAKEN && gov_pending(G, sp->action, t, mod_a))
            on = 0;
    }
    return on;
}

static int gov_payop(governments *G, int country, int sys, int join, double coverage, errbuf *e, int *n)
{
    if (*n == G->paycap) {
        int cap = G->paycap ? 2 * G->paycap : 16;
        la_payop *p = realloc(G->payops, (size_t)cap * sizeof *p);
        if (p == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        G->payops = p;
        G->paycap = cap;
    }
    G->payops[(*n)++] = (la_payop){.country = country, .sys = sys, .join = join, .coverage = coverage};
    return SANC_OK;
}

/* Evaluate the policy set of a review at t with the change (mod_a,
 * mod_state) into wel, X and transfers T.  SANC_ENOEQ/SANC_ENOCONV: no
 * equilibrium. */
static int gov_eval(governments *G, const struct world *w, int t, int mod_a, int mod_state, double *wel,
                    double *X, double *T, errbuf *e)
{
    const scenario *sc = G->sc;
    const model_views *v = G->views;
    int nc = w->nc, npay = 0, rc;
    memset(T, 0, (size_t)nc * nc * sizeof *T);
    for (int q = 0; q < sc->nevents; q++) {
        int ei = q < G->ent_n[GOV_EVENT] ? G->ent_of[GOV_EVENT][q] : -1;
        int on = ei >= 0 && gov_in_force(G, ei, t, mod_a, mod_state);
        G->event_on[q] = (unsigned char)on;
        const sc_event *ev = &sc->events[q];
        if (on && ev->type == SC_EV_TRANSFER)
            T[W2(w, ev->exporter, ev->importer)] += ev->value;
        /* a decided join/exit acts at its start: still ahead, it is a forced operation */
        int a = ei >= 0 ? G->ent[ei].action : -1;
        if (on && a >= 0 && (ev->type == SC_EV_JOIN || ev->type == SC_EV_EXIT) && G->ev_sys[q] >= 0 &&
            gov_pending(G, a, t, mod_a) &&
            (rc = gov_payop(G, ev->country, G->ev_sys[q], ev->type == SC_EV_JOIN, ev->coverage, e, &npay)) != SANC_OK)
            return rc;
    }
    const sanctions_view *sv = v->sanctions;
    int ns = sv ? sv->n : 0;
    for (int q = 0; q < ns; q++) {
        int ei = q < G->ent_n[GOV_SANCTION] ? G->ent_of[GOV_SANCTION][q] : -1;
        int on = ei >= 0 && gov_in_force(G, ei, t, mod_a, mod_state);
        int a = ei >= 0 ? G->ent[ei].action : -1;
        G->level[q] = !on ? 0.0 : a >= 0 ? sv->full[q] : sv->level[q];
        /* a decided financial measure not yet revoking: its revocations */
        if (on && a >= 0 && G->fin_sys[q] >= 0 && !(sv->level[q] > 0.0))
            for (int i = 0; i < nc; i++)
                if (sv->party[(size_t)q * nc + i] == 2 &&
                    (rc = gov_payop(G, i, G->fin_sys[q], 0, sv->revoke_coverage[q], e, &npay)) != SANC_OK)
                    return rc;
    }
    int nh = v->routing ? v->routing->nhubs : 0;
    for (int h = 0; h < nh; h++) {
        int ei = h < G->ent_n[GOV_HUB] ? G->ent_of[GOV_HUB][h] : -1;
        G->hub_on[h] = (unsigned char)(ei >= 0 && gov_in_force(G, ei, t, mod_a, mod_state));
    }
    la_policyset p = {.event_on = G->event_on, .sanction_level = G->level, .hub_on = G->hub_on,
                      .payops = G->payops, .npayops = npay};
    return G->la.eval_set(G->la.ctx, w, &p, wel, X, e);
}

/* The objective of government g on a look-ahead (NAN when some welfare it
 * needs is not positive). */
static double gov_objective_value(const governments *G, int g, const double *wel, const double *X,
                                  const double *T)
{
    const struct world *w = G->w;
    int nc = w->nc, ns = w->ns, c = G->gov[g].country;
    const gov_objective *o = &G->gov[g].obj;
    if (!(wel[c] > 0.0))
        return NAN;
    double u = o->welfare * log(wel[c]);
    if (o->pressure != 0.0) {
        double s = 0.0;
        for (int i = 0; i < nc; i++)
            if (o->targets[i]) {
                if (!(wel[i] > 0.0))
                    return NAN;
                s -= log(wel[i]);
            }
        u += o->pressure * s / o->ntargets;
    }
    if (o->allies != 0.0) {
        double s = 0.0;
        for (int i = 0; i < nc; i++)
            if (o->allied[i]) {
                if (!(wel[i] > 0.0))
                    return NAN;
                s += log(wel[i]);
            }
        u += o->allies * s / o->nallied;
    }
    if (o->autonomy != 0.0) {
        double tot = 0.0, dep = 0.0;
        for (int i = 0; i < nc; i++) {
            if (i == c)
                continue;
            double m = T[W2(w, i, c)];
            for (int k = 0; k < ns; k++)
                m += X[W3(w, i, c, k)];
            tot += m;
            if (o->from[i])
                dep += m;
        }
        u -= o->autonomy * (tot > 0.0 ? dep / tot : 0.0);
    }
    return u;
}

/* A country's judgement: its government's objective, or ln welfare. */
static double gov_judge(const governments *G, int country, const double *wel, const double *X, const double *T)
{
    int g = G->gov_of[country];
    if (g >= 0)
        return gov_objective_value(G, g, wel, X, T);
    return wel[country] > 0.0 ? log(wel[country]) : NAN;
}

/* ---- decisions --------------------------------------------------------- */

static int gov_infeasible(int rc)
{
    return rc == SANC_ENOEQ || rc == SANC_ENOCONV;
}

/* One review of government g at t: evaluate its open actions (take) and
 * its taken reversible ones (drop); make at most one move. */
static int gov_review(governments *G, struct world *w, int t, int g, errbuf *e)
{
    int c = G->gov[g].country, any = 0;
    for (int a = 0; a < G->nact && !any; a++)
        any = G->act[a].owner == c &&
              (G->act[a].state == ACT_OPEN || (G->act[a].state == ACT_TAKEN && G->act[a].reversible));
    if (!any) /* nothing left to decide */
        return SANC_OK;
    errbuf le;
    err_init(&le);
    int rc = gov_eval(G, w, t, -1, ACT_OPEN, G->sq_wel, G->sq_X, G->sq_T, &le);
    if (rc != SANC_OK) {
        char lab[32];
        return err_set(e, rc, "governments: period %d (%s): review of %s: the status quo has no look-ahead: %s", t,
                       scenario_period_label(G->sc, t, lab, sizeof lab), G->sc->country[c], le.msg);
    }
    double u0 = gov_objective_value(G, g, G->sq_wel, G->sq_X, G->sq_T);
    int ncand = 0;
    for (int a = 0; a < G->nact; a++) {
        gov_action *ac = &G->act[a];
        if (ac->owner != c)
            continue;
        int take = ac->state == ACT_OPEN;
        int drop = ac->state == ACT_TAKEN && ac->reversible;
        if (!take && !drop)
            continue;
        err_init(&le);
        rc = gov_eval(G, w, t, a, take ? ACT_TAKEN : ACT_DROPPED, G->wel, G->X, G->T, &le);
        if (gov_infeasible(rc)) {
            if (take)
                G->out_infeasible[a]++;
            continue;
        }
        if (rc != SANC_OK)
            return err_set(e, rc, "governments: %s", le.msg);
        double du = gov_objective_value(G, g, G->wel, G->X, G->T) - u0 - (take ? ac->cost : 0.0);
        double pg = 0.0;
        int consent = 1;
        if (take && ac->partner >= 0) {
            pg = gov_judge(G, ac->partner, G->wel, G->X, G->T) -
                 gov_judge(G, ac->partner, G->sq_wel, G->sq_X, G->sq_T);
            consent = pg >= -GOV_EPS;
        }
        if (take) {
            G->out_gain[a] = isfinite(du) ? du : 0.0;
            G->out_pgain[a] = isfinite(pg) ? pg : 0.0;
        }
        if (!isfinite(du) || !consent || !(du > G->threshold + GOV_EPS))
            continue;
        G->cand_a[ncand] = a;
        G->cand_take[ncand] = take;
        G->cand_u[ncand] = du;
        ncand++;
    }
    if (ncand == 0)
        return SANC_OK;
    int pick = -1;
    if (G->temperature == 0.0) {
        /* the largest gain; within GOV_EPS the earlier action wins */
        for (int q = 0; q < ncand; q++)
            if (pick < 0 || G->cand_u[q] > G->cand_u[pick] + GOV_EPS)
                pick = q;
    } else {
        /* logit over {none (gain 0)} + candidates, one draw */
        double mx = 0.0, sum;
        for (int q = 0; q < ncand; q++)
            if (G->cand_u[q] / G->temperature > mx)
                mx = G->cand_u[q] / G->temperature;
        sum = exp(-mx);
        for (int q = 0; q < ncand; q++)
            sum += exp(G->cand_u[q] / G->temperature - mx);
        double u = gsl_rng_uniform(G->rng) * sum, acc = exp(-mx);
        if (u >= acc)
            for (int q = 0; q < ncand; q++) {
                acc += exp(G->cand_u[q] / G->temperature - mx);
                pick = q;
                if (u < acc)
                    break;
            }
    }
    if (pick < 0)
        return SANC_OK;
    gov_action *ac = &G->act[G->cand_a[pick]];
    if (G->cand_take[pick]) {
        ac->state = ACT_TAKEN;
        ac->start = t + ac->lag;
    } else {
        ac->state = ACT_DROPPED;
        ac->end = t + ac->lag;
    }
    return gov_add_decision(G, t, G->cand_a[pick], G->cand_u[pick], G->cand_take[pick] ? "taken" : "dropped", e);
}

static void gov_outputs(governments *G, int t)
{
    for (int a = 0; a < G->nact; a++) {
        int s, e;
        gov_entry_window(G, G->act[a].entry, &s, &e);
        G->out_active[a] = s <= t && t < e;
    }
}

/* ---- module ops -------------------------------------------------------- */

static int gov_alloc_scratch(governments *G, const struct world *w, errbuf *e)
{
    size_t nc = (size_t)w->nc, n3 = nc * nc * (size_t)w->ns, n2 = nc * nc;
    int nev = G->sc->nevents, nsanc = G->views->sanctions ? G->views->sanctions->n : 0;
    int nh = G->views->routing ? G->views->routing->nhubs : 0;
    G->event_on = calloc((size_t)(nev > 0 ? nev : 1), 1);
    G->hub_on = calloc((size_t)(nh > 0 ? nh : 1), 1);
    G->level = calloc((size_t)(nsanc > 0 ? nsanc : 1), sizeof *G->level);
    G->fin_sys = calloc((size_t)(nsanc > 0 ? nsanc : 1), sizeof *G->fin_sys);
    G->ev_sys = calloc((size_t)(nev > 0 ? nev : 1), sizeof *G->ev_sys);
    G->wel = malloc(nc * sizeof *G->wel);
    G->sq_wel = malloc(nc * sizeof *G->sq_wel);
    G->X = malloc(n3 * sizeof *G->X);
    G->sq_X = malloc(n3 * sizeof *G->sq_X);
    G->T = malloc(n2 * sizeof *G->T);
    G->sq_T = malloc(n2 * sizeof *G->sq_T);
    size_t na = (size_t)(G->nact > 0 ? G->nact : 1);
    G->cand_a = malloc(na * sizeof *G->cand_a);
    G->cand_take = malloc(na * sizeof *G->cand_take);
    G->cand_u = malloc(na * sizeof *G->cand_u);
    if (!G->event_on || !G->hub_on || !G->level || !G->fin_sys || !G->ev_sys || !G->wel || !G->sq_wel || !G->X ||
        !G->sq_X || !G->T || !G->sq_T || !G->cand_a || !G->cand_take || !G->cand_u)
        return err_set(e, SANC_ENOMEM, "out of memory");
    return SANC_OK;
}

static int gov_init(struct model *m, const model_init *ctx, errbuf *e)
{
    const scenario *sc = ctx->sc;
    int any_stop = 0;
    for (int v = 0; v < sc->nevents; v++)
        any_stop |= sc->events[v].type == SC_EV_STOP;
    if (ctx->block == NULL && !any_stop)
        return SANC_OK; /* no view: every module keeps its dated windows */
    governments *G = calloc(1, sizeof *G);
    if (G == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    m->data = G;
    G->sc = sc;
    G->w = ctx->w;
    G->views = ctx->views;
    G->la = m->lookahead;
    G->review = 3;
    G->first = 1;
    G->gov_of = malloc((size_t)sc->nc * sizeof *G->gov_of);
    if (G->gov_of == NULL)
        return err_set(e, SANC_ENOMEM, "out of memory");
    for (int i = 0; i < sc->nc; i++)
        G->gov_of[i] = -1;
    int rc;
    if (ctx->block != NULL) {
        if ((rc = gov_read_block(G, ctx->block, e)) != SANC_OK)
            return rc;
    }
    G->view = (governments_view){.declare = gov_declare, .window = gov_window, .self = G};
    /* events are the scenario's: declare them here */
    config_setting_t *evl = config_setting_get_member(config_root_setting(&sc->cfg.lc), "events");
    for (int v = 0; v < sc->nevents; v++) {
        const sc_event *ev = &sc->events[v];
        gov_item it = {.kind = GOV_EVENT, .index = v, .name = ev->name, .start = ev->start, .end = ev->end,
                       .dec = &ev->dec, .implicit_partner = -1,
                       .where = evl ? config_setting_get_elem(evl, (unsigned)v) : NULL};
        if ((rc = gov_declare(G, &it, e)) != SANC_OK)
            return rc;
        if (ev->type == SC_EV_STOP) {
            G->ent[G->nent - 1].is_stop = 1;
            if (ev->dec.decided && ev->dec.reversible)
                return gov_fail(G, &it, "reversible", e, "%s", "a stop cannot be reversible");
        }
    }
    ctx->views->governments = &G->view;
    return SANC_OK;
}

/* Once every module has declared its items: resolve the names stops end,
 * partners of joins (the system's home), the systems financial measures
 * revoke, and register the outputs. */
static int gov_ready(struct model *m, struct world *w, errbuf *e)
{
    governments *G = m->data;
    if (G == NULL)
        return SANC_OK;
    const scenario *sc = G->sc;
    int rc = gov_alloc_scratch(G, w, e);
    if (rc != SANC_OK)
        return rc;
    for (int q = 0; q < G->nent; q++) {
        gov_entry *sp = &G->ent[q];
        if (!sp->is_stop)
            continue;
        const char *name = sc->events[sp->it.index].stops;
        int found = -1;
        for (int r = 0; r < G->nent; r++) {
            if (r == q || strcmp(G->ent[r].it.name, name) != 0)
                continue;
            if (found >= 0)
                return gov_fail(G, &sp->it, "stops", e, "'%s' names more than one event, measure or hub", name);
            found = r;
        }
        if (found < 0)
            return gov_fail(G, &sp->it, "stops", e, "no event, measure or hub named '%s'", name);
        if (G->ent[found].is_stop)
            return gov_fail(G, &sp->it, "stops", e, "'%s' is itself a stop", name);
        sp->stops = found;
    }
    const payments_view *pv = G->views->payments;
    for (int v = 0; v < sc->nevents; v++) {
        const sc_event *ev = &sc->events[v];
        G->ev_sys[v] = -1;
        if (pv == NULL || (ev->type != SC_EV_JOIN && ev->type != SC_EV_EXIT))
            continue;
        for (int p = 0; p < pv->nsys; p++)
            if (strcmp(pv->sys_name[p], ev->system) == 0)
                G->ev_sys[v] = p;
        int ei = G->ent_of[GOV_EVENT][v], a = G->ent[ei].action;
        if (a >= 0 && ev->type == SC_EV_JOIN && G->act[a].partner < 0 && G->ev_sys[v] >= 0) {
            int home = pv->sys_home[G->ev_sys[v]];
            if (home >= 0 && home != G->act[a].owner)
                G->act[a].partner = home;
        }
    }
    const sanctions_view *sv = G->views->sanctions;
    for (int q = 0; sv != NULL && q < sv->n; q++) {
        G->fin_sys[q] = -1;
        if (sv->revoke_system[q] == NULL || pv == NULL)
            continue;
        for (int p = 0; p < pv->nsys; p++)
            if (strcmp(pv->sys_name[p], sv->revoke_system[q]) == 0)
                G->fin_sys[q] = p;
    }
    if (G->nact > 0) {
        if ((G->rng = rng_stream_new(sc->seed, RNG_GOVERNMENTS)) == NULL)
            return err_set(e, SANC_ENOMEM, "out of memory");
        if ((rc = gov_register(G, w, e)) != SANC_OK)
            return rc;
        gov_outputs(G, 0);
    }
    return SANC_OK;
}

static int gov_step(struct model *m, struct world *w, int t, errbuf *e)
{
    governments *G = m->data;
    if (G == NULL || G->nact == 0)
        return SANC_OK;
    if (t >= G->first && (t - G->first) % G->review == 0)
        for (int g = 0; g < G->ngov; g++) {
            int rc = gov_review(G, w, t, g, e);
            if (rc != SANC_OK)
                return rc;
        }
    gov_outputs(G, t);
    return SANC_OK;
}

static void gov_finish(struct model *m)
{
    governments *G = m->data;
    if (G == NULL)
        return;
    for (int g = 0; g < G->ngov; g++) {
        free(G->gov[g].obj.targets);
        free(G->gov[g].obj.allied);
        free(G->gov[g].obj.from);
    }
    if (G->w != NULL && G->nact > 0) { /* the labels leave the output schema with us */
        world_set_dim(G->w, DIM_ACTION, 0, NULL);
        world_set_dim(G->w, DIM_DECISION, 0, NULL);
    }
    for (int r = 0; r < G->ndec; r++)
        free(G->dec_label[r]);
    free(G->gov);
    free(G->gov_of);
    free(G->ent);
    for (int k = 0; k < GOV_KINDS; k++)
        free(G->ent_of[k]);
    free(G->act);
    free(G->act_name);
    free(G->fin_sys);
    free(G->ev_sys);
    free(G->out_active);
    free(G->out_infeasible);
    free(G->out_gain);
    free(G->out_pgain);
    free(G->dec_period);
    free(G->dec_gov);
    free(G->dec_act);
    free(G->dec_kind);
    free(G->dec_label);
    free(G->dec_gain);
    free(G->event_on);
    free(G->hub_on);
    free(G->level);
    free(G->payops);
    free(G->wel);
    free(G->X);
    free(G->T);
    free(G->sq_wel);
    free(G->sq_X);
    free(G->sq_T);
    free(G->cand_a);
    free(G->cand_take);
    free(G->cand_u);
    if (G->rng != NULL)
        gsl_rng_free(G->rng);
    free(G);
    m->data = NULL;
}

const model_ops governments_ops = {gov_init, gov_step, gov_finish, gov_ready};
