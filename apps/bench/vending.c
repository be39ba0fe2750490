/* vending.c: a vending-machine state machine driven by an LCG.
 * run(n) feeds 64 + (n mod 256) pseudo-random events (coins, selections, refunds,
 * service codes, ...) into a machine whose transition is one dense `switch` on the
 * event (12 cases, which clang lowers to br_table), and returns a checksum of the
 * machine's state, credit, items sold and refunds. */

enum { IDLE, PAYING, VENDING, SERVICE };

struct machine {
    int state;
    unsigned credit, sold, refunded, errors, stock, trace;
};

static struct machine m;

static void step(unsigned ev) {
    switch (ev) {
    case 0: /* nickel */
        if (m.state == SERVICE) { m.errors++; break; }
        m.credit += 5; m.state = PAYING; break;
    case 1: /* dime */
        if (m.state == SERVICE) { m.errors++; break; }
        m.credit += 10; m.state = PAYING; break;
    case 2: /* quarter */
        if (m.state == SERVICE) { m.errors++; break; }
        m.credit += 25; m.state = PAYING; break;
    case 3: /* dollar */
        if (m.state == SERVICE) { m.errors++; break; }
        m.credit += 100; m.state = PAYING; break;
    case 4: /* select A (price 35) */
        if (m.credit >= 35 && m.stock > 0) { m.credit -= 35; m.stock--; m.sold++; m.state = VENDING; }
        else m.errors++;
        break;
    case 5: /* select B (price 60) */
        if (m.credit >= 60 && m.stock > 0) { m.credit -= 60; m.stock--; m.sold += 2; m.state = VENDING; }
        else m.errors++;
        break;
    case 6: /* select C (price 115) */
        if (m.credit >= 115 && m.stock > 1) { m.credit -= 115; m.stock -= 2; m.sold += 3; m.state = VENDING; }
        else m.errors += 2;
        break;
    case 7: /* refund */
        m.refunded += m.credit; m.credit = 0; m.state = IDLE; break;
    case 8: /* door open: enter service */
        m.state = SERVICE; break;
    case 9: /* restock (service only) */
        if (m.state == SERVICE) m.stock += 7; else m.errors++;
        break;
    case 10: /* door close */
        m.state = m.credit ? PAYING : IDLE; break;
    case 11: /* item taken */
        if (m.state == VENDING) m.state = m.credit ? PAYING : IDLE;
        else m.errors++;
        break;
    default: /* noise */
        m.trace ^= ev; break;
    }
    m.trace = (m.trace << 5 | m.trace >> 27) ^ (unsigned)m.state ^ ev;
}

int run(int n) {
    unsigned x = (unsigned)n * 2654435761u + 1u;
    unsigned events = 64u + (unsigned)n % 256u;
    unsigned i;
    m.state = IDLE;
    m.credit = m.sold = m.refunded = m.errors = m.trace = 0;
    m.stock = 5;
    for (i = 0; i < events; i++) {
        x = x * 1664525u + 1013904223u;
        step((x >> 16) % 13u);
    }
    return (int)(m.trace ^ (m.credit << 1) ^ (m.sold << 8) ^ (m.refunded << 12) ^ (m.errors << 20) ^ ((unsigned)m.state << 28) ^ m.stock);
}
