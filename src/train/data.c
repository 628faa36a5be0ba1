/* Token data loader (see data.h). */
#include "data.h"

#include <string.h>

int data_open(TokenData *data, const char *path, int vocab, uint64_t seed, Error *err) {
    memset(data, 0, sizeof *data);
    data->vocab = vocab;
    rng_seed(&data->rng, seed ^ 0xDA7A5EEDull);
    if (strcmp(path, "random") == 0) return 0;
    if (file_map(&data->map, path, err) != 0) return -1;
    if (data->map.size % 4 != 0) {
        error_set(err, "%s: %zu bytes is not a whole number of int32 token ids", path, data->map.size);
        data_close(data);
        return -1;
    }
    data->tokens = (const int32_t *)data->map.data;
    data->count = (int64_t)(data->map.size / 4);
    for (int64_t i = 0; i < data->count; i++)
        if (data->tokens[i] < 0 || data->tokens[i] >= vocab) {
            error_set(err, "%s: token %d at byte offset %lld is outside the vocabulary (%d)", path, data->tokens[i],
                      (long long)i * 4, vocab);
            data_close(data);
            return -1;
        }
    return 0;
}

void data_close(TokenData *data) {
    if (data->tokens) file_unmap(&data->map);
    memset(data, 0, sizeof *data);
}

int data_check_length(const TokenData *data, int T, Error *err) {
    if (data->tokens && data->count < (int64_t)T + 1)
        return error_set(err, "%s: %lld tokens, need at least seq + 1 = %d", data->map.path, (long long)data->count,
                         T + 1);
    return 0;
}

void data_next_batch(TokenData *data, int *inputs, int *targets, int B, int T) {
    for (int b = 0; b < B; b++) {
        if (!data->tokens) {
            for (int t = 0; t <= T; t++) {
                int id = (int)rng_below(&data->rng, (uint64_t)data->vocab);
                if (t < T) inputs[b * T + t] = id;
                if (t > 0) targets[b * T + t - 1] = id;
            }
            continue;
        }
        int64_t start = (int64_t)rng_below(&data->rng, (uint64_t)(data->count - T));
        for (int t = 0; t < T; t++) {
            inputs[b * T + t] = data->tokens[start + t];
            targets[b * T + t] = data->tokens[start + t + 1];
        }
    }
}
