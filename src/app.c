#include "config.h"

#include "app.h"

int app_run(const struct config *cfg)
{
    return 0;
}
