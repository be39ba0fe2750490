/* mallory: holds only a console capability (slot 0) and tries every other slot to reach
 * anyone. Returns how many sends were refused. */
#include "castle.h"

int main(void) {
    castle_msg m = {{0xbad, 0, 0, 0}};
    int refused = 0;
    for (int slot = 1; slot < CASTLE_SLOTS; slot++) {
        refused += castle_send(slot, &m, 1) == CASTLE_REFUSED;
    }
    castle_print(0, "mallory: ");
    castle_print_int(0, refused);
    castle_print(0, " of 15 sends refused\n");
    return refused;
}
