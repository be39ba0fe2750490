/* carol: takes three messages and prints the badge and word of each.
 * c-list: 0 console. */
#include "castle.h"

int main(void) {
    castle_msg m;
    int sum = 0;
    for (int i = 0; i < 3; i++) {
        int header = castle_recv(&m);
        castle_print(0, "carol: word ");
        castle_print_int(0, (int)m.w[0]);
        castle_print(0, " with badge ");
        castle_print_int(0, castle_badge(header));
        castle_print(0, "\n");
        sum += (int)m.w[0];
    }
    return sum;
}
