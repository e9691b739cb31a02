/*
 * cmd_help.c - `sancsim help COMMAND` (also `sancsim COMMAND --help` for
 * export and diff).  The same text as docs/sancsim.1, command by command.
 */
#include "cmd_help.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *text;
} cmd_help_texts[] = {
    {"run",
     "usage: sancsim run CONFIG [-o FILE] [--set PATH=VALUE]... [--seed N] [-f] [-q]\n"
     "\n"
     "Runs the scenario CONFIG and writes its HDF5 result (netCDF-4 compatible).\n"
     "\n"
     "  -o, --output FILE   output file (default: output.file of the scenario, else\n"
     "                      results/<scenario file stem>.h5)\n"
     "  --set PATH=VALUE    override a setting (repeatable); PATH is a name path:\n"
     "                      trade.sigma, events.[0].partial_effect or\n"
     "                      'sanctions.[name=\"SWIFT cut-off\"].coverage'; it is split\n"
     "                      at the first = outside brackets and quotes; the value must\n"
     "                      have the type of the setting it replaces\n"
     "  --seed N            replace scenario.seed (0 <= N < 2^63)\n"
     "  -f, --force         overwrite an existing output file\n"
     "  -q, --quiet         no progress or summary on stderr\n"
     "\n"
     "A scenario may inherit another: base = \"file.cfg\"; then merged blocks,\n"
     "append, remove and set (README.md, \"Scenario inheritance and name paths\").\n"},
    {"check",
     "usage: sancsim check CONFIG [--set PATH=VALUE]... [--seed N] [-q]\n"
     "\n"
     "Validates the scenario (every module's settings, the data) without running it\n"
     "and prints the fully resolved configuration (bases, append, remove, set and\n"
     "--set applied) on stdout: what /provenance/config of a run would hold.\n"},
    {"sweep",
     "usage: sancsim sweep CONFIG [-o FILE] [--set PATH=VALUE]... [--seed N] [-j N]\n"
     "                    [--resume] [--shard K/N] [-f] [-q]\n"
     "\n"
     "Runs the scenario's `sweep` block (grid, random, sobol, lhs or file designs)\n"
     "into one file along a `run` axis.  Parameters are name paths\n"
     "(path = \"sanctions.[name=\\\"energy import ban\\\"].enforcement\").\n"
     "\n"
     "  -j, --jobs N        worker threads (default: the cores available)\n"
     "  --resume            finish an interrupted sweep from its journal\n"
     "  --shard K/N         only runs r with r mod N = K-1 (a part for `sancsim merge`)\n"
     "  -o, --set, --seed, -f, -q as for run.\n"
     "Exit status 1 when some runs failed (run_status = 2).\n"},
    {"merge",
     "usage: sancsim merge -o FILE PARTS... [-f] [-q]\n"
     "\n"
     "Merges the part files of a sharded sweep (--shard, sancsim-mpi) into one.\n"},
    {"export",
     "usage: sancsim export FILE [-o DIR] [--vars a,b] [--force] [-q]\n"
     "\n"
     "Writes a result file (a run, a sweep or a diff) as tidy CSV (RFC 4180): one\n"
     "file per set of dimensions, named after them (time_country.csv with columns\n"
     "time,country,welfare,welfare_pct,output,...; time_exporter_importer_sector.csv).\n"
     "Sweeps: every row starts with run and one column per swept parameter (its\n"
     "name path; categorical values as text), and runs.csv lists the runs.  Dates\n"
     "are ISO 8601, missing values empty, welfare also as welfare_pct = 100\n"
     "(welfare - 1).  Written to a temporary folder and renamed.\n"
     "\n"
     "  -o, --output DIR    folder to create (default: FILE without .h5, plus _csv)\n"
     "  --vars a,b          only these variables\n"
     "  -f, --force         replace an existing DIR\n"
     "  -q, --quiet         no summary on stderr\n"},
    {"diff",
     "usage: sancsim diff A.h5 B.h5 -o D.h5 [--vars a,b] [--force] [-q]\n"
     "\n"
     "Writes the variant B relative to the base A in the layout of a result file:\n"
     "  <var>_pct = 100 (B/A - 1) for levels (money: flows, exports, output, ...),\n"
     "            0 where A = B = 0; <var>_pct_defined = 0 where A = 0 and B != 0;\n"
     "  <var>_diff = B - A for indices, shares and balances (welfare, price\n"
     "            indices, shares, dependence, power balance).\n"
     "Both files must share the axes and labels of the variables compared (exit 2\n"
     "otherwise; --vars restricts the comparison).  `sancsim export D.h5` gives\n"
     "the differences as CSV.\n"
     "\n"
     "  -o, --output FILE   the diff file (required)\n"
     "  --vars a,b          only these variables\n"
     "  -f, --force         overwrite an existing output\n"
     "  -q, --quiet         no summary on stderr\n"},
    {"help",
     "usage: sancsim help [COMMAND]\n"
     "\n"
     "The options of COMMAND (run, check, sweep, merge, export, diff), or the\n"
     "overview.  The manual: man sancsim.\n"},
};

int cmd_help(const char *command)
{
    for (size_t i = 0; i < sizeof cmd_help_texts / sizeof cmd_help_texts[0]; i++)
        if (strcmp(cmd_help_texts[i].name, command) == 0) {
            fputs(cmd_help_texts[i].text, stdout);
            return 0;
        }
    fprintf(stderr, "sancsim: help: unknown command '%s' (commands: run, check, sweep, merge, export, diff, "
                    "help)\n", command);
    return 2;
}
