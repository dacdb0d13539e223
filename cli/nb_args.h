/* nb_args.h: the flags of each notebook (`gnlab notebook NAME [flags]`): parsed here into
 * the notebook's options struct (nb.h), so the notebooks layer never sees argv. */
#ifndef CLI_NB_ARGS_H
#define CLI_NB_ARGS_H

#include "nb.h"

typedef struct {
    const char *name;  /* as in nb_notebooks */
    const char *flags; /* help text, one line per flag */
    /* parse argv[1..argc) (argv[0] is the name) into the options and run the notebook:
     * GN_EXIT_USAGE after a message on a bad flag, else the notebook's status */
    int (*run)(const nb_ctx *ctx, int argc, char **argv);
} cli_nb;

/* cli_nb_find: the notebook's flags and entry point, or NULL */
const cli_nb *cli_nb_find(const char *name);

#endif
