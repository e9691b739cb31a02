/*
 * fuzz_scenario.c - libFuzzer target: the scenario loader (libconfig parse,
 * @include, strict validation, data files, events) and the modules'
 * validation of their blocks (run_check), on arbitrary scenario text.
 * The input is the scenario file; the scratch folder holds trade.csv,
 * countries.csv, shocks.csv and two include files it may refer to.
 * Invariants: no crash, no leak, no UB; an error always carries a message.
 */
#include <stdint.h>

#include "fuzz_common.h"
#include "run.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (size > 64 * 1024)
        return 0;
    if (fuzz_write("s.cfg", data, size) != 0)
        abort();
    char path[512];
    fuzz_path("s.cfg", path, sizeof path);
    errbuf e;
    err_init(&e);
    scenario sc;
    int rc = scenario_load(&sc, path, NULL, 0, -1, &e);
    if (rc == SANC_OK) {
        /* bound the work of one input: the loader enforces the real limits */
        if ((long long)sc.periods * sc.nc * sc.nc * sc.ns <= 200000)
            rc = run_check(&sc, &e);
    }
    if (rc != SANC_OK && e.msg[0] == '\0')
        abort(); /* every error must say what is wrong */
    if (rc > 0)
        abort(); /* codes are 0 or negative */
    scenario_destroy(&sc);
    return 0;
}
