/*
 * scenario_io.h - what DESIGN section 2b adds to a scenario (scenario_io.c):
 * production-network data, the GE model's keys in `trade`, revenue wedges
 * on events.  Internal to the scenario layer (scenario.c calls these).
 */
#ifndef SANCSIM_SCENARIO_IO_H
#define SANCSIM_SCENARIO_IO_H

#include <libconfig.h>

#include "err.h"

struct scenario;
struct dataset;
struct csvtable_source;
struct sc_event;

/* 1 when the data block holds production-network data (any of inputs,
 * final, value_added, deficits, theta; data.trade alone, string or group,
 * is the Armington data). */
int  scenario_io_has_data(const config_setting_t *data_block);
/* Load (or share) the io dataset; fills sc->data. */
int  scenario_io_data(struct scenario *sc, config_setting_t *data_block, const struct csvtable_source *countries,
                      const struct dataset *shared, errbuf *e);
/* trade.model, trade.factors, trade.baseline_deficits and the io model's
 * checks (after imbalance and deficits are read). */
int  scenario_io_trade(struct scenario *sc, const config_setting_t *trade_block, errbuf *e);
/* sigma_k = theta_k + 1 where the config sets none (io data with theta). */
void scenario_io_default_sigma(struct scenario *sc);
/* An event's tariff, export_tax and tariff_level. */
int  scenario_io_event(struct scenario *sc, struct sc_event *ev, const config_setting_t *g, errbuf *e);
/* 1 when a revenue key is a number (it applies to the event's cells). */
int  scenario_io_event_cells_only(const config_setting_t *g);
void scenario_io_event_free(struct sc_event *ev);

/* Add the revenue wedges of event ev (one with ev->revenue) to the
 * nc*nc*ns arrays: rate increments add up, a level replaces the rate (the
 * later event's level wins; NAN: none).  Shared by the run (policy) and
 * the look-ahead so that both read an event the same way. */
void scenario_io_event_revenue(const struct sc_event *ev, int nc, int ns, double *tariff, double *export_tax,
                               double *tariff_level);

#endif
