/* QEMU TCG plugin: prints the number of guest instructions executed (from the platform
 * notes, tools/insncount.c; built and used by platforms/insncount.sh).
 * Debian's QEMU 7.2 supports -plugin but ships neither plugins nor the
 * qemu-plugin.h header, so the few API calls used are declared here
 * (plugin API version 1, as in QEMU 7.2).
 *   gcc -O2 -shared -fPIC -fvisibility=hidden -o libinsncount.so insncount.c
 *   qemu-aarch64 -L /usr/aarch64-linux-gnu -plugin ./libinsncount.so -d plugin ./prog
 *   qemu-system-arm -M mps2-an386 ... -plugin ./libinsncount.so -d plugin -kernel app.elf
 * The count is exact for one guest thread (run OpenMP code with OMP_NUM_THREADS=1). */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
                                           void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, void *),
                                    void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t insn_count;

static void on_tb_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    /* Add the block's instruction count each time the block executes. */
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insn_count,
                                             qemu_plugin_tb_n_insns(tb));
}

static void on_plugin_exit(qemu_plugin_id_t id, void *userdata) {
    (void)id;
    (void)userdata;
    char buf[64];
    snprintf(buf, sizeof buf, "insns: %" PRIu64 "\n", insn_count);
    qemu_plugin_outs(buf);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info,
                                                               int argc, char **argv) {
    (void)info;
    (void)argc;
    (void)argv;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_translate);
    qemu_plugin_register_atexit_cb(id, on_plugin_exit, NULL);
    return 0;
}
