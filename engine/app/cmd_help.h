/*
 * cmd_help.h - `sancsim help COMMAND`: the options of one command.
 */
#ifndef SANCSIM_CMD_HELP_H
#define SANCSIM_CMD_HELP_H

/* Prints the help of `command` to stdout and returns 0, or names the
 * commands on stderr and returns 2 for an unknown one. */
int cmd_help(const char *command);

#endif
