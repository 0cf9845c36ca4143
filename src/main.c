#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "bench.h"
#include "cli.h"
#include "models/models.h"

int main(int argc, char **argv)
{
    struct config cfg;

    if (argc > 1 && strcmp(argv[1], "--host") == 0)
        return host_main(argc, argv);
    setlocale(LC_ALL, "");
    if (argc > 1 && strcmp(argv[1], "bench") == 0)
        return bench_main(argc - 1, argv + 1);
    switch (cli_parse(argc, argv, &cfg)) {
    case CLI_EXIT_OK:
        return 0;
    case CLI_EXIT_USAGE:
        return 2;
    case CLI_RUN:
        break;
    }
    return app_run(&cfg);
}
