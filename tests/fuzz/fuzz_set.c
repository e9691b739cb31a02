/*
 * fuzz_set.c - libFuzzer target: the --set PATH=VALUE parser (cfg_apply_set)
 * on a fixed scenario tree, followed by the resolved-config writer.
 * Input: one or more assignments separated by newlines.  Invariants: no
 * crash, no leak, no UB; after accepted overrides, the written config
 * (cfg_to_string, what /provenance/config stores and `sancsim run`
 * reproduces) parses again and writes back to the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

static const char fuzz_base[] =
    "scenario = { name = \"t\"; start = \"2022-01\"; step = \"month\"; periods = 4; seed = 1; };\n"
    "data = { trade = \"trade.csv\"; units = \"USD million\"; };\n"
    "groups = { NORTH = [\"AAA\", \"BBB\"]; };\n"
    "trade = { sigma = 5.0; adjustment = 1.0; big = 5000000000L;\n"
    "          sectors = ( { name = \"energy\"; sigma = 8.0; } ); };\n"
    "events = ( { name = \"e\"; start = 1; exporters = [\"CCC\"]; importers = [\"NORTH\"];\n"
    "             factor = 1.5; symmetric = true; } );\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    errbuf e;
    err_init(&e);
    cfg c;
    if (cfg_load_string(&c, fuzz_base, "base.cfg", ".", &e) != SANC_OK)
        abort();
    int applied = 0;
    for (char *line = text, *next; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        errbuf e1;
        err_init(&e1);
        int rc = cfg_apply_set(&c, line, &e1);
        if (rc == SANC_OK)
            applied++;
        else if (e1.msg[0] == '\0')
            abort();
    }
    if (applied) {
        char *out = cfg_to_string(&c, &e);
        if (out != NULL) {
            cfg c2;
            errbuf e2;
            err_init(&e2);
            if (cfg_load_string(&c2, out, "resolved.cfg", ".", &e2) != SANC_OK) {
                fprintf(stderr, "resolved config does not parse: %s\n%s\n", e2.msg, out);
                abort();
            }
            char *out2 = cfg_to_string(&c2, &e2);
            if (out2 == NULL || strcmp(out, out2) != 0) {
                fprintf(stderr, "resolved config does not round-trip:\n%s\n---\n%s\n", out,
                        out2 ? out2 : "(null)");
                abort();
            }
            free(out2);
            cfg_destroy(&c2);
            free(out);
        }
    }
    cfg_destroy(&c);
    free(text);
    return 0;
}
