/* commands.h — every `exaone` subcommand, one function each (src/cli/cmd_*.c).
 * argv[0] is the subcommand's name. Return 0 ok, 1 runtime error, 2 usage. */
#ifndef EXAONE_COMMANDS_H
#define EXAONE_COMMANDS_H

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

extern const Command commands[];

/* Shared by subcommands: "exaone CMD" for messages. */
#define EXAONE_VERSION "0.1.0"

int cmd_info(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_draw(int argc, char **argv);
int cmd_caption(int argc, char **argv);
int cmd_translate(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_mini_train(int argc, char **argv);
int cmd_mini_encode(int argc, char **argv);
int cmd_mini_eval(int argc, char **argv);
int cmd_explain_eval(int argc, char **argv);
int cmd_fairness_eval(int argc, char **argv);
int cmd_intent_eval(int argc, char **argv);
/* exaone mini-eval --full (cmd_mini_eval_full.c) */
int cmd_mini_eval_full(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_tune_mini(int argc, char **argv);
int cmd_lora(int argc, char **argv);
int cmd_vq(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_tile(int argc, char **argv);
int cmd_mockup(int argc, char **argv);
int cmd_edit(int argc, char **argv);
int cmd_vary(int argc, char **argv);

#endif
