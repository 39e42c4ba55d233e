/* SPDX-License-Identifier: MIT */
/* testbed/wire.h: the model's network between testbed instances, as a
 * delay line beside the instance's loop. Loopback delivers at once, so a
 * sender holds each message until the model's latency (and serialisation)
 * has passed, then writes it. The holding must not wait for the loop: a
 * real NIC sends while the CPU computes, and the loop blocks in compute
 * steps. So a thread of its own (the wire) sleeps until each message's due
 * time and writes it to its socket; the loop only hears back, through a
 * uv_async, which messages left, and never closes a socket the wire still
 * writes to.
 * Ownership: the wire owns the data handed to it; tb_wire_stop() joins
 * the thread and drops what was not sent; the struct goes when the loop
 * has closed its async handle. */
#ifndef TESTBED_WIRE_H
#define TESTBED_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct tb_wire;

/* sent(arg, tag) is called on the loop for every message written (or
 * dropped because its socket failed). */
struct tb_wire *tb_wire_start(uv_loop_t *loop, void (*sent)(void *arg, void *tag), void *arg);
/* Writes len bytes of data (taken over) to fd at due (CLOCK_MONOTONIC ns);
 * messages to one fd leave in due order, ties in send order. */
void tb_wire_send(struct tb_wire *w, int fd, uint64_t due, char *data, size_t len, void *tag);
/* Messages written so far, and their summed and largest delay behind their
 * due time, ns (all 0 for a NULL wire). */
void tb_wire_late(struct tb_wire *w, uint64_t *n, uint64_t *sum, uint64_t *max);
void tb_wire_stop(struct tb_wire *w);

#endif
