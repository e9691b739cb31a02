/*
 * cmd_export.h - `sancsim export` and `sancsim diff` (DESIGN section 10):
 * argument parsing, messages and exit statuses around h5tidy.h.
 */
#ifndef SANCSIM_CMD_EXPORT_H
#define SANCSIM_CMD_EXPORT_H

/* argv[0] is the command word ("export" / "diff"); returns the exit status. */
int cmd_export(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif
