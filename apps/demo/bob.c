/* bob: a server. Requests are [op, value]: op 1 (ping) is answered with the value doubled
 * through bob's capability to alice; op 2 (note) is printed. Four requests, then it stops.
 * c-list: 0 alice (send), 1 console. */
#include "castle.h"

enum { ALICE = 0, CONSOLE = 1 };

int main(void) {
    castle_msg m;
    for (int i = 0; i < 4; i++) {
        int header = castle_recv(&m);
        castle_print(CONSOLE, m.w[0] == 1 ? "bob: ping " : "bob: note ");
        castle_print_int(CONSOLE, (int)m.w[1]);
        castle_print(CONSOLE, " from badge ");
        castle_print_int(CONSOLE, castle_badge(header));
        castle_print(CONSOLE, "\n");
        if (m.w[0] == 1) {
            m.w[0] = m.w[1] * 2;
            castle_send(ALICE, &m, 1);
        }
    }
    return 4;
}
