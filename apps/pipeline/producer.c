/* producer: sends 1..20 to the filter, one at a time, each after the filter's ack; then 0 to
 * end the stream. c-list: 0 filter, 1 console. */
#include "castle.h"

enum { FILTER = 0, CONSOLE = 1 };

int main(void) {
    castle_msg m;
    for (int i = 1; i <= 20; i++) {
        m.w[0] = (unsigned)i;
        castle_send(FILTER, &m, 1);
        castle_recv(&m); /* ack */
    }
    m.w[0] = 0;
    castle_send(FILTER, &m, 1);
    castle_print(CONSOLE, "producer: sent 1..20\n");
    return 20;
}
