/* PNG <-> codes for EXAONE-mini (see mini_image.h). */
#include "mini_image.h"

int mini_image_encode(const char *model_dir, const char *png_path, int *codes, int grid_h, int grid_w, Error *err) {
    return error_set(err, "%s: reading images needs the VQ image tokenizer (%s/vq.safetensors), not built in yet",
                     png_path, model_dir);
}

int mini_image_decode(const char *model_dir, const int *codes, int n, int grid_h, int grid_w, const char *png_path,
                      const char *const *meta, Error *err) {
    return error_set(err, "%s: drawing pixels needs the VQ image tokenizer (%s/vq.safetensors), not built in yet",
                     png_path, model_dir);
}
