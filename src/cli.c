#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

enum cli_status cli_parse(int argc, char **argv, struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->interval_ns = 100000000;
    cfg->proc_root = PROCDIR;
    return CLI_RUN;
}
