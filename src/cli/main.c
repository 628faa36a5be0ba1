/* main.c — `exaone`: one binary, subcommands dispatched from one table. */
#include "../core/cpu.h"
#include "../core/log.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

/* Kept in the order a new user meets them. */
const Command commands[] = {
    {"info", cmd_info, "describe a model file (or this machine, with no file)"},
    {"chat", cmd_chat, "chat with an EXAONE 3.0/3.5/4.0 model (or -p PROMPT once)"},
    {"quantize", cmd_quantize, "convert an EXAONE model to GGUF q8_0/q4_0/q4_K/f16"},
    {"bench", cmd_bench, "prefill/decode speed of an EXAONE model (llama-bench style)"},
    {"tokenize", cmd_tokenize, "encode/decode text, render chats, train a BPE vocabulary"},
    {"draw", cmd_draw, "draw an image from a Korean or English prompt (EXAONE-mini)"},
    {"caption", cmd_caption, "describe an image in Korean or English (EXAONE-mini)"},
    {"translate", cmd_translate, "translate between English and Korean (EXAONE-mini)"},
    {"score", cmd_score, "how well a text fits an image: mean log p(text | image)"},
    {"demo", cmd_demo, "EXAONE-mini in both directions and both languages, with timings"},
    {"mini-encode", cmd_mini_encode, "turn the images of an EXAONE-mini corpus into VQ codes"},
    {"mini-eval", cmd_mini_eval, "EXAONE-mini held-out metrics: losses, retrieval, captions, chrF"},
    {"explain-eval", cmd_explain_eval, "two-emoji check of the explanation maps: each name on its own half?"},
    {"intent-eval", cmd_intent_eval, "short vs detailed prompts, with and without reranking: retrieval top-5"},
    {"fairness-eval", cmd_fairness_eval, "EXAONE-mini by skin tone and gender form: captions, retrieval, gaps"},
    {"mini-train", cmd_mini_train, "train EXAONE-mini (tools/train-mini runs the whole recipe)"},
    {"data", cmd_data, "prepare the EXAONE-mini dataset from the fetched cache"},
    {"train", cmd_train, "train a transformer from a key = value config"},
    {"tune", cmd_tune, "LoRA fine-tuning: EXAONE on chat JSONL, EXAONE-mini on images (PEFT out)"},
    {"lora", cmd_lora, "LoRA adapters: merge one into a base model"},
    {"vq", cmd_vq, "VQ image tokenizer: encode/decode images to codes, train it"},
    {"serve", cmd_serve, "OpenAI-compatible API server and the Atelier page"},
    {"tile", cmd_tile, "repeat a pattern NxM and measure its wrap-edge seams"},
    {"mockup", cmd_mockup, "show a pattern as cloth on a garment (tshirt, dress, hoodie, scarf)"},
    {"edit", cmd_edit, "redraw the masked part of a picture, or grow it (--outpaint)"},
    {"vary", cmd_vary, "variations of a picture: redraw a random part of it N times"},
    {NULL, NULL, NULL},
};

static void print_usage(FILE *out) {
    fprintf(out,
            "exaone %s — EXAONE in C: bilingual (Korean/English) text and text<->image models on a CPU\n\n"
            "usage: exaone COMMAND [OPTIONS]   (exaone COMMAND --help for each)\n\n"
            "commands:\n",
            EXAONE_VERSION);
    for (const Command *c = commands; c->name; c++) fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out,
            "\noptions for every command:\n"
            "  -h, --help     help for the command\n"
            "  --version      print the version\n"
            "  -v / -q        (before COMMAND) more / less logging on stderr\n");
}

int main(int argc, char **argv) {
    int first = 1;
    while (first < argc && argv[first][0] == '-') {
        const char *a = argv[first];
        if (strcmp(a, "--version") == 0) {
            printf("exaone %s (%s)\n", EXAONE_VERSION, cpu_describe());
            return 0;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_usage(stdout);
            return 0;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
            log_set_level(LOG_DEBUG);
        else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
            log_set_level(LOG_WARN);
        else {
            fprintf(stderr, "exaone: unknown option '%s' (see exaone --help)\n", a);
            return 2;
        }
        first++;
    }
    if (first >= argc) {
        print_usage(stderr);
        return 2;
    }
    for (const Command *c = commands; c->name; c++)
        if (strcmp(argv[first], c->name) == 0) return c->run(argc - first, argv + first);
    fprintf(stderr, "exaone: unknown command '%s' (see exaone --help)\n", argv[first]);
    return 2;
}
