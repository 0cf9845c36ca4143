/* libFuzzer target for the JSON reader (sample files come from users). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "report/jsonr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jsonr v;
    char err[128];
    if (jsonr_parse((const char *)data, size, &v, err, sizeof(err)) == 0) {
        (void)jsonr_num(&v, "seq", 0);
        (void)jsonr_str(&v, "model");
        jsonr_free(&v);
    }
    return 0;
}
