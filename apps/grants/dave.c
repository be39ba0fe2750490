/* dave: receives bob's onward grant; it carries the send right only, whatever bob asked for.
 * c-list: 0 console; the grant lands in slot 1. */
#include "castle.h"

int main(void) {
    castle_msg m;
    int header = castle_recv(&m);
    int carol = castle_grant_slot(header);
    m.w[0] = 3;
    int sent = castle_send(carol, &m, 1);
    int regrant = castle_grant(carol, carol, CASTLE_SEND);
    castle_print(0, regrant == CASTLE_REFUSED ? "dave: can send to carol, cannot grant\n"
                                              : "dave: gained the grant right?!\n");
    return sent == CASTLE_DELIVERED && regrant == CASTLE_REFUSED;
}
