/* Token data loader (see data.h). */
#include "data.h"

#include "rng.h"

#include <string.h>

int data_open(TokenData *data, const char *path, int vocab, int T, uint64_t seed, Error *err) {
    memset(data, 0, sizeof *data);
    data->vocab = vocab;
    data->seed = seed;
    if (strcmp(path, "random") == 0) return 0;
    if (file_map(&data->map, path, err) != 0) return -1;
    if (data->map.size % 4 != 0) {
        error_set(err, "%s: %zu bytes is not a whole number of int32 token ids", path, data->map.size);
        goto fail;
    }
    data->tokens = (const int32_t *)data->map.data;
    data->count = (int64_t)(data->map.size / 4);
    for (int64_t i = 0; i < data->count; i++)
        if (data->tokens[i] < 0 || data->tokens[i] >= vocab) {
            error_set(err, "%s: token %d at byte offset %lld is outside the vocabulary (%d)", path, data->tokens[i],
                      (long long)i * 4, vocab);
            goto fail;
        }
    if (data->count < (int64_t)T + 1) {
        error_set(err, "%s: %lld tokens, need at least seq + 1 = %d", path, (long long)data->count, T + 1);
        goto fail;
    }
    return 0;
fail:
    file_unmap(&data->map);
    memset(data, 0, sizeof *data);
    return -1;
}

void data_close(TokenData *data) {
    if (data->tokens) file_unmap(&data->map);
    memset(data, 0, sizeof *data);
}

void data_batch(const TokenData *data, int64_t step, int64_t first, int *inputs, int *targets, int B, int T) {
    for (int b = 0; b < B; b++) {
        Rng rng;
        rng_seed(&rng, data->seed ^ ((uint64_t)step * 0x9E3779B97F4A7C15ull) ^
                           ((uint64_t)(first + b) * 0xC2B2AE3D27D4EB4Full));
        if (!data->tokens) {
            for (int t = 0; t <= T; t++) {
                int id = (int)rng_below(&rng, (uint64_t)data->vocab);
                if (t < T) inputs[b * T + t] = id;
                if (t > 0) targets[b * T + t - 1] = id;
            }
            continue;
        }
        int64_t start = (int64_t)rng_below(&rng, (uint64_t)(data->count - T));
        for (int t = 0; t < T; t++) {
            inputs[b * T + t] = data->tokens[start + t];
            targets[b * T + t] = data->tokens[start + t + 1];
        }
    }
}
